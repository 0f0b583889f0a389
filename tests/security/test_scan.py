"""The scanner itself: it must find a secret in every form the audits rely on."""

from __future__ import annotations

import base64
import gzip
import pickle
from pathlib import Path
from urllib.parse import quote

from tests.security.scan import SecretAudit, read_artifact, scan

SECRET = "Sc4nnerProbe/Key+2026="


def test_finds_plain_url_encoded_and_base64_forms():
    blob = base64.b64encode(pickle.dumps({"runtime": {"key": SECRET}})).decode()
    texts = {
        "plain": f"x {SECRET} y",
        "url": f"GET /?AuthKey={quote(SECRET, safe='')}",
        "pickle": f'{{"__provider": "{blob}"}}',
        "clean": "nothing to see",
    }
    found = scan(texts, {"probe": SECRET})
    assert {f.source for f in found} == {"plain", "url", "pickle"}
    assert all(SECRET not in str(f) for f in found)  # findings name the label only


def test_reads_gzip_logs(tmp_path: Path):
    (tmp_path / "cli.log").write_bytes(gzip.compress(f"log line {SECRET}".encode()))
    assert SECRET in read_artifact(tmp_path / "cli.log")
    audit = SecretAudit()
    audit.secret("probe", SECRET)
    assert audit.add_files(tmp_path) == 1
    assert [f.source for f in audit.findings()] == [str(tmp_path / "cli.log")]
