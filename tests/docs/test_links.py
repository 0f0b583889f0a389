"""The user documents stand on their own: every link stays inside the repository and exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools.engine import REPO_ROOT

DOCUMENTS = sorted(
    [REPO_ROOT / "README.md", REPO_ROOT / "CHANGELOG.md", *(REPO_ROOT / "docs").rglob("*.md")]
)
LINK = re.compile(r"\]\(([^)\s]+)\)")
OUTSIDE_MENTION = re.compile(r"\.\./shared\b")
URL = re.compile(r"^[a-z][a-z0-9+.-]*:")


def problems(document: Path, root: Path) -> list[str]:
    """Links of ``document`` that leave ``root`` or name no file, and mentions of outside paths."""
    text = document.read_text()
    found = []
    for match in LINK.finditer(text):
        target = match[1].split("#", 1)[0]
        if not target or URL.match(target):
            continue
        resolved = (document.parent / target).resolve()
        if root.resolve() not in (resolved, *resolved.parents):
            found.append(f"{target}: outside the repository")
        elif not resolved.exists():
            found.append(f"{target}: no such file")
    return found + [f"mentions {m[0]!r}" for m in OUTSIDE_MENTION.finditer(text)]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(REPO_ROOT)))
def test_links_stay_inside_the_repository_and_exist(document: Path):
    assert problems(document, REPO_ROOT) == []


def test_the_check_finds_outside_links_missing_files_and_mentions(tmp_path: Path):
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "here.md").write_text("x")
    document = root / "docs" / "guide.md"
    document.write_text(
        "[ok](here.md#top) [web](https://example.com) [anchor](#a)\n"
        "[out](../../notes.md) [gone](missing.md) see `../shared/docs/ice-api.md`\n"
    )
    assert problems(document, root) == [
        "../../notes.md: outside the repository",
        "missing.md: no such file",
        "mentions '../shared'",
    ]
