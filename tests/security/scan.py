"""Scan the artefacts of engine runs for plaintext secrets (by machine, never by eye).

What is scanned (:class:`SecretAudit`): every captured ``pulumi`` stdout/stderr, every file
under the file backend (checkpoints, ``.bak`` copies, history), the logs under
``PULUMI_HOME/logs`` (gzip-compressed by the CLI: decompressed here, or a secret would never
match) and glog files the CLI writes to ``$TMPDIR`` with ``-v``, the emulator log, the
alicloud test double's call log, drift reports and exception texts. Base64 blobs found in
any text are decoded and scanned too (the former dynamic providers were pickled into state
as base64; anything else encoded that way is caught the same).

A secret is looked for verbatim, URL-encoded and base64-encoded; findings name the source
and the secret's *label*, never its value.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

_B64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
_MAX_FILE = 64 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    """A secret (by label) found in a source (by name)."""

    source: str
    secret: str

    def __str__(self) -> str:
        return f"{self.secret} found in {self.source}"


def read_artifact(path: Path) -> str:
    """A file's text; gzip files (the CLI's own logs) are decompressed first."""
    data = path.read_bytes()[:_MAX_FILE]
    if data[:2] == b"\x1f\x8b":
        # a log still being written may be truncated: then scan it as it is
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def _forms(secret: str) -> set[str]:
    """The encodings under which a secret could appear in text."""
    forms = {secret, quote(secret, safe="")}
    forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))
    return {f for f in forms if f}


def _decoded_blobs(text: str) -> Iterable[str]:
    for match in _B64.finditer(text):
        blob = match.group(0)
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        yield raw.decode("latin-1")


def scan(texts: Mapping[str, str], secrets: Mapping[str, str]) -> list[Finding]:
    """Every (source, secret label) pair where the secret occurs in the source's text."""
    forms = {label: _forms(value) for label, value in secrets.items() if value}
    found: list[Finding] = []
    for source, text in texts.items():
        haystack = "\n".join([text, *_decoded_blobs(text)])
        for label, variants in forms.items():
            if any(v in haystack for v in variants):
                found.append(Finding(source, label))
    return found


@dataclass
class SecretAudit:
    """Collects texts from one scenario, then scans them all for the registered secrets."""

    secrets: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def secret(self, label: str, value: str | None) -> None:
        """Register a secret value under a label (empty values are ignored)."""
        if value:
            self.secrets[label] = value

    def add(self, source: str, text: str) -> None:
        """Add one text (command output, exception message, report)."""
        key, n = source, 1
        while key in self.texts:
            n += 1
            key = f"{source} #{n}"
        self.texts[key] = text

    def add_files(self, root: Path, pattern: str = "*") -> int:
        """Add every file under ``root`` matching ``pattern``; return how many."""
        count = 0
        if root.is_dir():
            for path in sorted(root.rglob(pattern)):
                if path.is_file():
                    self.add(str(path), read_artifact(path))
                    count += 1
        return count

    def findings(self) -> list[Finding]:
        """Every secret found in any collected text."""
        return scan(self.texts, self.secrets)

    def assert_clean(self) -> int:
        """Fail listing (source, label) of every finding; return the number of texts scanned."""
        assert self.secrets, "nothing to look for: register the scenario's secrets first"
        found = self.findings()
        assert not found, "plaintext secrets found:\n" + "\n".join(map(str, found))
        return len(self.texts)
