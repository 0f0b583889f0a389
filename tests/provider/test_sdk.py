"""The committed SDKs (sdk/python, sdk/nodejs) are what the provider's schema generates today."""

from __future__ import annotations

import filecmp
import subprocess
from pathlib import Path

import pytest

from devtools.engine import REPO_ROOT

pytestmark = pytest.mark.engine


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_committed_sdks_match_the_schema(tmp_path: Path):
    subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "gen-sdk.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=REPO_ROOT,
    )
    committed = REPO_ROOT / "sdk"
    assert files(tmp_path) == files(committed), "run `make sdk` and commit sdk/"
    stale = [
        name
        for name in sorted(files(committed))
        if not filecmp.cmp(committed / name, tmp_path / name, shallow=False)
    ]
    assert stale == [], f"run `make sdk` and commit sdk/: {stale}"


def test_the_python_sdk_marks_the_auth_key_secret():
    source = (REPO_ROOT / "sdk" / "python" / "pulumi_ims" / "event_callback.py").read_text()
    assert 'additional_secret_outputs=["authKey", "previous"]' in source
