"""The workflows' own shell steps, executed: drift check -> preview gate -> result -> comment.

Each step's ``run:`` script is taken from the workflow file and run with bash as GitHub runs it
(``bash --noprofile --norc -eo pipefail``), against the local emulator and the ``local`` stack
(whose secrets use the passphrase ``ims-callbacks-local``). No cloud, no Pulumi CLI needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess, start_emulator
from tests.workflows import checks
from tests.workflows.checks import ACTIONS, MARKER, REPO, WORKFLOWS

LOCAL_PASSPHRASE = "ims-callbacks-local"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as emu:
        yield emu


def step_script(workflow: str, job: str, name: str) -> str:
    wf = checks.load(WORKFLOWS / workflow)
    for step in checks.steps(checks.jobs(wf)[job]):
        if step.get("name") == name:
            return str(step["run"])
    raise AssertionError(f"{workflow}: job {job} has no step {name!r}")


def run_step(
    script: str, env: dict[str, str], cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path, emulator: EmulatorProcess) -> dict[str, str]:
    """A job environment: the venv's python first on PATH, no credentials but the stack's."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "STACK": "local",
        "REPORT_DIR": str(tmp_path / "reports" / "report-local"),
        "IMS_CALLBACKS_EMULATOR": emulator.base_url,
        "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE,
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "LANG": "C.UTF-8",
    }


DRIFT_STEP = "Drift check (read-only, GetEventCallback only)"


def test_pr_review_steps_end_to_end(env: dict[str, str], tmp_path: Path) -> None:
    report = Path(env["REPORT_DIR"])
    drift = run_step(step_script("pr-review.yml", "review", DRIFT_STEP), env)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    # A fresh emulator has no callback configured: every region is "not configured" (exit 2).
    assert (report / "drift.exit").read_text().strip() == "2"
    assert (report / "drift.md").read_text(encoding="utf-8").startswith(MARKER)
    assert json.loads((report / "drift.json").read_text())["exitCode"] == 2
    assert "ims-callbacks-local" not in (report / "drift.md").read_text(encoding="utf-8")

    # Without the passphrase in the -preview environment, the preview is skipped, not failed.
    preview = run_step(
        step_script("pr-review.yml", "review", "pulumi preview --refresh --diff"),
        env | {"PULUMI_CONFIG_PASSPHRASE": "", "PULUMI_ORG": ""},
    )
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "preview of local skipped" in preview.stdout
    assert (report / "preview.skipped").is_file()

    result = run_step(step_script("pr-review.yml", "review", "Result"), env)
    assert result.returncode == 0, result.stdout
    assert "::warning::local: live settings differ" in result.stdout

    comment = tmp_path / "comment.md"
    status = tmp_path / "status.json"
    combined = run_step(
        step_script_of_action("report"),
        env
        | {
            "GITHUB_ACTION_PATH": str(ACTIONS / "report"),
            "REPORTS": str(report.parent),
            "STACKS": '["local"]',
            "MODE": "pr",
            "OUTPUT": str(comment),
            "STATUS": str(status),
            "META": "commit 0000000 · [workflow run](https://example.invalid/run)",
        },
    )
    assert combined.returncode == 0, combined.stdout + combined.stderr
    body = comment.read_text(encoding="utf-8")
    assert body.startswith(MARKER + "\n**ims-callbacks drift and preview:** `local` ⚠️")
    assert "not configured" in body
    assert "⏭️ skipped: no PULUMI_CONFIG_PASSPHRASE in the environment local-preview" in body
    assert json.loads(status.read_text())["exitCode"] == 0
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8") == body


def test_a_failing_drift_check_fails_the_job(env: dict[str, str]) -> None:
    env["PULUMI_CONFIG_PASSPHRASE"] = "wrong passphrase"
    drift = run_step(step_script("pr-review.yml", "review", DRIFT_STEP), env)
    assert drift.returncode == 0  # the step records the code; the Result step decides
    assert (Path(env["REPORT_DIR"]) / "drift.exit").read_text().strip() == "1"
    (Path(env["REPORT_DIR"]) / "preview.exit").write_text("0\n")
    result = run_step(step_script("pr-review.yml", "review", "Result"), env)
    assert result.returncode == 1
    assert "::error::local: the drift check could not check everything (exit 1)" in result.stdout


def test_a_failed_preview_fails_the_job(env: dict[str, str]) -> None:
    report = Path(env["REPORT_DIR"])
    report.mkdir(parents=True)
    (report / "drift.exit").write_text("0\n")
    (report / "preview.exit").write_text("255\n")
    result = run_step(step_script("pr-review.yml", "review", "Result"), env)
    assert result.returncode == 1
    assert "::error::local: pulumi preview failed (exit 255)" in result.stdout


def test_the_preview_step_runs_pulumi_through_the_wrapper(
    env: dict[str, str], tmp_path: Path
) -> None:
    # A stand-in `pulumi` on PATH records its arguments and environment; the wrapper's STS
    # exchange needs the OIDC variables, which are missing here, so it must fail cleanly first.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "pulumi").write_text('#!/bin/sh\necho "pulumi $*"\n', encoding="utf-8")
    (fake_bin / "pulumi").chmod(0o755)
    env["PATH"] = f"{fake_bin}:{env['PATH']}"
    preview = run_step(
        step_script("pr-review.yml", "review", "pulumi preview --refresh --diff"),
        env | {"PULUMI_ORG": "acme"},
    )
    assert preview.returncode == 0, preview.stderr
    assert "run the ./.github/actions/aliyun-oidc action first" in preview.stdout
    assert (Path(env["REPORT_DIR"]) / "preview.exit").read_text().strip() == "1"


def test_scheduled_drift_steps_fail_loudly(env: dict[str, str], tmp_path: Path) -> None:
    drift = run_step(step_script("drift-schedule.yml", "drift", DRIFT_STEP), env)
    assert drift.returncode == 0, drift.stderr
    fail = run_step(step_script("drift-schedule.yml", "drift", "Fail on drift or error"), env)
    assert fail.returncode == 2
    assert "::error::local: live IMS callback settings drifted" in fail.stdout

    status = tmp_path / "status.json"
    combined = run_step(
        step_script_of_action("report"),
        env
        | {
            "GITHUB_ACTION_PATH": str(ACTIONS / "report"),
            "REPORTS": str(Path(env["REPORT_DIR"]).parent),
            "STACKS": '["local"]',
            "MODE": "issue",
            "OUTPUT": str(tmp_path / "issue.md"),
            "STATUS": str(status),
            "META": "scheduled",
        },
    )
    assert combined.returncode == 0, combined.stderr
    loud = run_step(
        step_script("drift-schedule.yml", "report", "Fail loudly on drift or error"),
        env,
        cwd=tmp_path,
    )
    assert loud.returncode == 1
    assert "::error::ims-callbacks drift (exit 2): local:" in loud.stdout


def test_scheduled_drift_in_sync_passes(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "status.json").write_text(json.dumps({"exitCode": 0, "summary": "ok"}))
    quiet = run_step(
        step_script("drift-schedule.yml", "report", "Fail loudly on drift or error"),
        env,
        cwd=tmp_path,
    )
    assert quiet.returncode == 0
    assert "all stacks in sync" in quiet.stdout


def step_script_of_action(name: str) -> str:
    (step,) = [s for s in checks.steps(checks.load(ACTIONS / name / "action.yml")) if "run" in s]
    return str(step["run"])
