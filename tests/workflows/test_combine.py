"""The combined PR comment / issue body (.github/actions/report/combine.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workflows.checks import ACTIONS, MARKER, REPO, load_script

GOLDEN = REPO / "tests" / "drift" / "golden" / "drift.md"
LIMIT = 65_536


combine = load_script("combine", ACTIONS / "report" / "combine.py")

PREVIEW = """Previewing update (dev):
  pulumi:pulumi:Stack: (same)
    ~ pulumi-python:dynamic/ims:EventCallback: (update)
        ~ drift: [
            + [0]: "url: https://other.example.com/x -> https://hooks.example.com/ims"
          ]
        ~ url: "https://other.example.com/x" => "https://hooks.example.com/ims"
Resources:
    ~ 1 to update
    3 unchanged

Duration: 4s
"""


def write_report(
    root: Path,
    stack: str,
    *,
    drift_md: str | None = None,
    drift_exit: int | None = 0,
    status: str | None = "in_sync",
    summary: str | None = None,
    preview: str | None = PREVIEW,
    preview_exit: int | None = 0,
    skipped: str | None = None,
) -> Path:
    folder = root / f"report-{stack}"
    folder.mkdir(parents=True)
    if drift_md is not None:
        (folder / "drift.md").write_text(drift_md, encoding="utf-8")
    if status is not None:
        data = {
            "status": status,
            "summary": summary or f"{stack}: {status}",
            "exitCode": drift_exit,
        }
        (folder / "drift.json").write_text(json.dumps(data), encoding="utf-8")
    if drift_exit is not None:
        (folder / "drift.exit").write_text(f"{drift_exit}\n", encoding="utf-8")
    if preview is not None:
        (folder / "preview.txt").write_text(preview, encoding="utf-8")
    if preview_exit is not None:
        (folder / "preview.exit").write_text(f"{preview_exit}\n", encoding="utf-8")
    if skipped is not None:
        (folder / "preview.skipped").write_text(skipped + "\n", encoding="utf-8")
    return folder


def render(root: Path, stacks: list[str], mode: str = "pr") -> tuple[str, dict[str, object]]:
    reports = combine.load(root, stacks)
    return combine.render(reports, mode, "commit abc1234"), combine.status(reports, mode)


def test_one_comment_for_all_stacks(tmp_path: Path) -> None:
    golden = GOLDEN.read_text(encoding="utf-8")
    write_report(
        tmp_path, "dev", drift_md=golden, drift_exit=2, status="drifted", summary="1 drifted"
    )
    write_report(tmp_path, "prod", drift_md=golden.replace("prod", "prd"))
    body, status = render(tmp_path, ["dev", "prod"])

    assert body.startswith(MARKER + "\n")
    assert body.count(MARKER) == 1  # the per-stack markers are gone
    summary = body.splitlines()[1]
    assert summary.startswith("**ims-callbacks drift and preview:**")
    assert "`dev` ⚠️ 1 drifted" in summary
    assert "`prod` ✅" in summary
    assert "| `dev` | ⚠️ 1 drifted | `~ 1 to update, 3 unchanged` |" in body
    assert "<details><summary><code>pulumi preview --refresh --diff --stack dev</code>" in body
    assert body.count("```text\n" + PREVIEW) == 2
    assert "<details><summary>prod / ap-southeast-1: drifted (3 fields)</summary>" in body
    assert "commit abc1234" in body
    assert status["exitCode"] == 0  # drift in a PR is information, not failure
    assert status["drifted"] == ["dev"]


def test_resources_summary() -> None:
    assert combine.resources_summary(PREVIEW) == "~ 1 to update, 3 unchanged"
    assert combine.resources_summary("no summary here") == ""
    two = "Resources:\n    + 1 to create\n\nmore\nResources:\n    4 unchanged\n"
    assert combine.resources_summary(two) == "4 unchanged"


def test_a_long_preview_is_cut_from_the_front(tmp_path: Path) -> None:
    noise = "".join(f"    ~ resource-{i}: (update) field => value\n" for i in range(20_000))
    write_report(tmp_path, "dev", preview="Previewing update (dev):\n" + noise + PREVIEW)
    body, _ = render(tmp_path, ["dev"])
    assert combine.gh_len(body) < LIMIT
    assert body.startswith(MARKER)
    block = body[body.index("<details><summary><code>pulumi preview") :]
    assert "Resources:\n    ~ 1 to update\n    3 unchanged" in block  # the end survives
    assert "Previewing update (dev):\n    ~ resource-0:" not in block  # the front is cut
    assert "lines are cut so that the end" in block
    assert "report-dev" in block


def test_everything_huge_still_fits_and_keeps_the_summary(tmp_path: Path) -> None:
    detail = "<details><summary>x</summary>\n\n" + "| `f` | ⚠️ drifted | `a` | `b` |\n" * 40
    huge_md = (
        MARKER
        + "\n**ims-callbacks drift:** big\n\n### `s`\n\n"
        + (detail + "\n</details>\n\n") * 60
    )
    assert combine.gh_len(huge_md) > 60_000
    noise = "x" * 70 + "\n"
    for stack in ("dev", "staging", "prod"):
        write_report(
            tmp_path,
            stack,
            drift_md=huge_md,
            drift_exit=2,
            status="drifted",
            summary=f"{stack}: 60 regions drifted",
            preview=noise * 5_000 + PREVIEW,
        )
    body, _ = render(tmp_path, ["dev", "staging", "prod"])
    assert combine.gh_len(body) < LIMIT
    lines = body.splitlines()
    assert lines[0] == MARKER
    assert "`staging` ⚠️ staging: 60 regions drifted" in lines[1]
    for stack in ("dev", "staging", "prod"):
        assert f"| `{stack}` | ⚠️ {stack}: 60 regions drifted |" in body
    assert "> [!NOTE]" in body
    assert "left out" in body


def test_details_go_before_the_preview(tmp_path: Path) -> None:
    detail = (
        "<details><summary>region</summary>\n\n" + "| `f` | a | b | c |\n" * 30 + "</details>\n\n"
    )
    md = MARKER + "\n**ims-callbacks drift:** x\n\n### `dev`\n\n| Region |\n|---|\n\n" + detail * 98
    assert 60_000 < combine.gh_len(md) < LIMIT  # within the drift tool's own guard
    preview = "".join(f"  ~ resource-{i}\n" for i in range(3_000)) + PREVIEW
    write_report(tmp_path, "dev", drift_md=md, drift_exit=2, status="drifted", preview=preview)
    body, _ = render(tmp_path, ["dev"])
    assert combine.gh_len(body) < LIMIT
    assert "<details><summary>region</summary>" not in body  # the field tables went first
    assert "Resources:\n    ~ 1 to update" in body  # the preview stayed
    assert "the per-region field tables left out" in body


def test_size_is_counted_as_github_counts_it(tmp_path: Path) -> None:
    emoji = "⚠️😀" * 30_000  # 90,000 UTF-16 code units in 60,000 code points
    md = MARKER + "\n**ims-callbacks drift:** x\n\n### `dev`\n\n" + emoji + "\n"
    write_report(tmp_path, "dev", drift_md=md, preview=None, preview_exit=None, skipped="n/a")
    body, _ = render(tmp_path, ["dev"])
    assert combine.gh_len(body) < LIMIT
    assert len(body.encode("utf-16-le")) // 2 < LIMIT


def test_hundreds_of_stacks_keep_marker_and_summary(tmp_path: Path) -> None:
    stacks = [f"stack-{i:03d}-{'x' * 60}" for i in range(600)]
    for stack in stacks:
        write_report(tmp_path, stack, drift_md=None, preview="Resources:\n    1 unchanged\n")
    body, _ = render(tmp_path, stacks)
    assert combine.gh_len(body) < LIMIT
    assert body.startswith(MARKER + "\n**ims-callbacks drift and preview:** 600 stacks:")
    assert "| `stack-000-" in body  # the table starts; its end is cut


def test_preview_with_backticks_cannot_break_out(tmp_path: Path) -> None:
    write_report(tmp_path, "dev", preview="````\n</details>\n<img src=x>\n" + PREVIEW)
    body, _ = render(tmp_path, ["dev"])
    assert "`````text\n````\n</details>\n<img src=x>\n" in body  # a longer fence


@pytest.mark.parametrize(
    ("kwargs", "mode", "code"),
    [
        ({}, "pr", 0),
        ({"drift_exit": 2, "status": "drifted"}, "pr", 0),
        ({"drift_exit": 1, "status": "error"}, "pr", 1),
        ({"preview_exit": 255}, "pr", 1),
        ({"preview": None, "preview_exit": None}, "pr", 1),
        ({"preview": None, "preview_exit": None, "skipped": "no passphrase"}, "pr", 0),
        ({"drift_exit": 2, "status": "drifted"}, "issue", 2),
        ({"drift_exit": 1, "status": "error"}, "issue", 1),
        ({"preview": None, "preview_exit": None}, "issue", 0),
        ({"drift_exit": None, "status": None}, "issue", 1),
    ],
)
def test_exit_codes(tmp_path: Path, kwargs: dict[str, object], mode: str, code: int) -> None:
    write_report(tmp_path, "dev", drift_md=GOLDEN.read_text(encoding="utf-8"), **kwargs)  # type: ignore[arg-type]
    _, status = render(tmp_path, ["dev"], mode)
    assert status["exitCode"] == code


def test_a_stack_without_a_report_is_an_error(tmp_path: Path) -> None:
    write_report(tmp_path, "dev")
    body, status = render(tmp_path, ["dev", "prod"])
    assert status["exitCode"] == 1
    assert status["errors"] == ["prod"]
    assert "| `prod` | ❌ no report: the job failed before the drift check" in body


def test_failed_preview_is_shown(tmp_path: Path) -> None:
    write_report(
        tmp_path, "dev", preview="error: could not decrypt configuration\n", preview_exit=255
    )
    body, status = render(tmp_path, ["dev"])
    assert "❌ failed (exit 255)" in body
    assert "error: could not decrypt configuration" in body
    assert status["errors"] == ["dev"]


def test_issue_mode_has_no_preview_column(tmp_path: Path) -> None:
    write_report(
        tmp_path,
        "prod",
        drift_md=GOLDEN.read_text(encoding="utf-8"),
        drift_exit=2,
        status="drifted",
    )
    body, status = render(tmp_path, ["prod"], "issue")
    assert body.startswith(MARKER + "\n**ims-callbacks drift:**")
    assert "<code>pulumi preview" not in body
    assert "| Preview" not in body
    assert status["exitCode"] == 2


def test_command_line(tmp_path: Path) -> None:
    write_report(tmp_path / "reports", "dev")
    out, st = tmp_path / "comment.md", tmp_path / "status.json"
    argv = ["--reports", str(tmp_path / "reports"), "--stacks", '["dev"]', "--output", str(out)]
    assert combine.main([*argv, "--status", str(st), "--meta", "run"]) == 0
    assert out.read_text(encoding="utf-8").startswith(MARKER)
    data = json.loads(st.read_text(encoding="utf-8"))
    assert data["exitCode"] == 0
    assert data["characters"] == combine.gh_len(out.read_text(encoding="utf-8"))


def test_parse_stacks() -> None:
    assert combine.parse_stacks('["dev","prod"]') == ["dev", "prod"]
    assert combine.parse_stacks("dev, staging prod") == ["dev", "staging", "prod"]
    assert combine.parse_stacks("") == []
