"""The composite actions' own shell steps, executed: review -> result -> comment / issue, deploy,
setup.

Each step's ``run:`` script is taken from the action's action.yml and run with bash as a
runner runs a composite step (``bash --noprofile --norc -eo pipefail``), with the step's
``env:`` evaluated from the inputs a workflow gives (every input checked against the action's
declaration), ``$GITHUB_ACTION_PATH`` set to the action's folder and ``$GITHUB_ENV`` carried to
the next step. The drift check runs against the local emulator and the ``local`` stack (secrets
under the passphrase ``ims-callbacks-local``); ``pulumi`` is a stand-in on PATH that logs its
arguments (test_engine_preview.py runs the real CLI). The artifact upload and download between
the jobs is a copy of the report folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from emulator.testing import EmulatorProcess, start_emulator
from tests.workflows import checks
from tests.workflows.checks import ACTIONS, MARKER, REPO

LOCAL_PASSPHRASE = "ims-callbacks-local"
FIXTURES = REPO / "tests" / "drift" / "fixtures"
PREVIEW_TEXT = (
    "Previewing update (local):\n  pulumi:pulumi:Stack: (same)\nResources:\n    3 unchanged\n"
)
FAKE_PULUMI = """#!/bin/sh
echo "$PWD|$*" >> "$FAKE_PULUMI_LOG"
cat "$FAKE_PULUMI_OUTPUT"
exit "${FAKE_PULUMI_EXIT:-0}"
"""


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as emu:
        yield emu


def run_step(
    action: str,
    step: str,
    env: dict[str, str],
    inputs: dict[str, str] | None = None,
    cwd: Path = REPO,
) -> subprocess.CompletedProcess[str]:
    """Run step ``step`` of ``.github/actions/<action>`` as a runner does."""
    script, full_env, where = checks.step_command(action, step, env, inputs or {}, cwd)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=where,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A job after the setup action: the tools' python, a stand-in pulumi, no credentials."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI, encoding="utf-8")
    (bin_dir / "pulumi").chmod(0o755)
    (tmp_path / "pulumi-output.txt").write_text(PREVIEW_TEXT, encoding="utf-8")
    (tmp_path / "github-env").write_text("", encoding="utf-8")
    (tmp_path / "runner-temp").mkdir()
    return {
        "PATH": f"{bin_dir}:{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE,
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_ENV": str(tmp_path / "github-env"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "IMS_CALLBACKS_HOME": str(REPO),
        "IMS_CALLBACKS_PYTHON": sys.executable,
        "FAKE_PULUMI_LOG": str(tmp_path / "pulumi.log"),
        "FAKE_PULUMI_OUTPUT": str(tmp_path / "pulumi-output.txt"),
    }


@pytest.fixture
def job(env: dict[str, str], emulator: EmulatorProcess) -> dict[str, str]:
    """The job environment with the emulator standing in for the cloud."""
    return env | {"IMS_CALLBACKS_EMULATOR": emulator.base_url}


def pulumi_calls(env: dict[str, str]) -> list[str]:
    log = Path(env["FAKE_PULUMI_LOG"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def report_of(env: dict[str, str], stack: str = "local") -> Path:
    return Path(env["RUNNER_TEMP"]) / "ims-callbacks-report" / stack


def transfer(env: dict[str, str], stack: str = "local") -> Path:
    """upload-artifact report-<stack> in the review job, download-artifact in the next."""
    reports = Path(env["RUNNER_TEMP"]) / "ims-callbacks-reports"
    shutil.copytree(report_of(env, stack), reports / f"report-{stack}")
    return reports


def status_of(env: dict[str, str]) -> dict[str, object]:
    data = json.loads((Path(env["RUNNER_TEMP"]) / "ims-callbacks-status.json").read_text())
    assert isinstance(data, dict)
    return data


STACKS = {"stacks": '["local"]'}
"""What the workflows give the pr-comment and drift-issue actions (here one stack)."""
PREVIEW_ARGS = "preview --refresh --stack local --non-interactive --diff --color never"
PREVIEW_CALL = f"{REPO}|{PREVIEW_ARGS} --suppress-progress"


# --- the pull-request review --------------------------------------------------------------------


def test_pr_review_end_to_end(job: dict[str, str]) -> None:
    review = run_step("review", "Drift and preview", job, {"stack": "local"})
    assert review.returncode == 0, review.stdout + review.stderr
    assert "local: drift from config" in review.stdout
    report = report_of(job)
    # A fresh emulator has no callback configured: every region is "not configured" (exit 2).
    assert (report / "drift.exit").read_text() == "2\n"
    drift_md = (report / "drift.md").read_text(encoding="utf-8")
    assert drift_md.startswith(MARKER)
    assert LOCAL_PASSPHRASE not in drift_md
    assert json.loads((report / "drift.json").read_text())["exitCode"] == 2
    assert pulumi_calls(job) == [PREVIEW_CALL]
    assert (report / "preview.exit").read_text() == "0\n"
    assert (report / "preview.txt").read_text(encoding="utf-8") == PREVIEW_TEXT

    result = run_step("review", "Result", job, {"stack": "local"})
    assert result.returncode == 0, result.stdout
    assert "::warning::local: live settings differ" in result.stdout

    transfer(job)
    combined = run_step("pr-comment", "Combine them into one comment", job, STACKS)
    assert combined.returncode == 0, combined.stdout + combined.stderr
    body = (Path(job["RUNNER_TEMP"]) / "ims-callbacks-comment.md").read_text(encoding="utf-8")
    assert body.startswith(MARKER + "\n**ims-callbacks drift and preview:** `local` ⚠️")
    assert "not configured" in body
    assert "`3 unchanged`" in body
    assert "commit fedcba9876543210fedcba9876543210fedcba98" in body
    assert "(https://github.example/acme/media/actions/runs/7)" in body
    assert status_of(job)["exitCode"] == 0
    assert Path(job["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8") == body
    fail = run_step("pr-comment", "Fail on an error", job, STACKS)
    assert fail.returncode == 0, fail.stdout + fail.stderr


@pytest.fixture
def ci_workspace(tmp_path: Path) -> Path:
    """A checkout whose stack "ci" is the local one without credentials in the stack file
    (they come from the job, as in CI); its auth key is encrypted with the local passphrase."""
    workspace = tmp_path / "workspace"
    (workspace / "stacks").mkdir(parents=True)
    shutil.copy(REPO / "Pulumi.yaml", workspace / "Pulumi.yaml")
    stack = yaml.safe_load((REPO / "stacks" / "Pulumi.local.yaml").read_text(encoding="utf-8"))
    for key in ("ims:emulator", "ims:accessKey", "ims:secretKey"):
        del stack["config"][key]
    for key in ("alicloud:accessKey", "alicloud:secretKey"):
        del stack["config"][key]
    text = yaml.safe_dump(stack, sort_keys=False)
    (workspace / "stacks" / "Pulumi.ci.yaml").write_text(text, encoding="utf-8")
    return workspace


def test_pr_review_without_the_passphrase_skips_the_preview(
    job: dict[str, str], ci_workspace: Path
) -> None:
    # A secret that is not set reaches the step as "": the check still runs (the auth key is
    # not compared); the preview, which needs the passphrase, is skipped, not failed.
    job |= {
        "PULUMI_CONFIG_PASSPHRASE": "",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "IMSEMULATORKEYID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "ims-emulator-local-secret",
    }
    inputs = {"stack": "ci"}
    review = run_step("review", "Drift and preview", job, inputs, cwd=ci_workspace)
    assert review.returncode == 0, review.stdout + review.stderr
    assert "::notice::preview of ci skipped" in review.stdout
    report = report_of(job, "ci")
    drift = json.loads((report / "drift.json").read_text())
    assert drift["exitCode"] == 2, drift["summary"]  # not configured, but checked
    assert (report / "drift.exit").read_text() == "2\n"
    assert (report / "preview.skipped").is_file()
    assert not (report / "preview.exit").exists()
    assert pulumi_calls(job) == []
    assert run_step("review", "Result", job, inputs, cwd=ci_workspace).returncode == 0

    transfer(job, "ci")
    run_step("pr-comment", "Combine them into one comment", job, {"stacks": '["ci"]'})
    body = (Path(job["RUNNER_TEMP"]) / "ims-callbacks-comment.md").read_text(encoding="utf-8")
    assert "⏭️ skipped: no PULUMI_CONFIG_PASSPHRASE for this stack" in body
    assert status_of(job)["exitCode"] == 0


def test_a_failing_drift_check_fails_the_job(job: dict[str, str]) -> None:
    job["PULUMI_CONFIG_PASSPHRASE"] = "wrong passphrase"
    review = run_step("review", "Drift and preview", job, {"stack": "local"})
    assert review.returncode == 0  # the step records the code; the Result step decides
    assert (report_of(job) / "drift.exit").read_text() == "1\n"
    result = run_step("review", "Result", job, {"stack": "local"})
    assert result.returncode == 1
    assert "::error::local: the drift check could not check everything (exit 1)" in result.stdout

    transfer(job)
    run_step("pr-comment", "Combine them into one comment", job, STACKS)
    assert status_of(job)["exitCode"] == 1
    fail = run_step("pr-comment", "Fail on an error", job, STACKS)
    assert fail.returncode == 1
    assert "::error::a stack could not be reviewed (see the comment)" in fail.stdout


def test_a_failed_preview_fails_the_job(job: dict[str, str]) -> None:
    job["FAKE_PULUMI_EXIT"] = "255"
    review = run_step("review", "Drift and preview", job, {"stack": "local"})
    assert review.returncode == 0
    assert (report_of(job) / "preview.exit").read_text() == "255\n"
    result = run_step("review", "Result", job, {"stack": "local"})
    assert result.returncode == 1
    assert "::error::local: pulumi preview failed (exit 255)" in result.stdout

    transfer(job)
    run_step("pr-comment", "Combine them into one comment", job, STACKS)
    assert status_of(job)["exitCode"] == 1
    assert run_step("pr-comment", "Fail on an error", job, STACKS).returncode == 1


def test_a_stack_without_a_report_fails_the_comment_job(env: dict[str, str]) -> None:
    # The review job of "prod" died before its upload: the comment names it as an error.
    (Path(env["RUNNER_TEMP"]) / "ims-callbacks-reports").mkdir()
    combined = run_step("pr-comment", "Combine them into one comment", env, {"stacks": '["prod"]'})
    assert combined.returncode == 0, combined.stderr
    assert status_of(env)["errors"] == ["prod"]
    assert run_step("pr-comment", "Fail on an error", env, STACKS).returncode == 1


def test_the_review_runs_cloud_commands_through_the_wrapper(
    job: dict[str, str], tmp_path: Path
) -> None:
    # After the OIDC step (token file exported) both the drift check and the preview run
    # through `aliyun_oidc.py run`; without the role variables it fails cleanly, first.
    token = tmp_path / "oidc-token"
    token.write_text("header.payload.signature", encoding="utf-8")
    job["ALIBABA_CLOUD_OIDC_TOKEN_FILE"] = str(token)
    review = run_step("review", "Drift and preview", job, {"stack": "local"})
    assert review.returncode == 0, review.stderr
    assert "run the ./.github/actions/aliyun-oidc action first" in review.stdout
    assert (report_of(job) / "drift.exit").read_text() == "1\n"
    assert (report_of(job) / "preview.exit").read_text() == "1\n"
    assert pulumi_calls(job) == []


def test_the_preview_route_through_the_action(job: dict[str, str]) -> None:
    # Any project: drift from `pulumi preview --refresh --json` (noise around the JSON).
    document = (FIXTURES / "drifted.json").read_text(encoding="utf-8")
    output = "warning: using pulumi-resource-alicloud from $PATH\n" + document + "done\n"
    Path(job["FAKE_PULUMI_OUTPUT"]).write_text(output, encoding="utf-8")
    inputs = {"stack": "local", "drift": "preview"}
    review = run_step("review", "Drift and preview", job | {"PULUMI_ORG": "acme"}, inputs)
    assert review.returncode == 0, review.stdout + review.stderr
    assert "local: drift from preview" in review.stdout
    assert pulumi_calls(job) == [
        f"{REPO}|preview --refresh --stack acme/local --non-interactive --json"
    ]
    report = report_of(job)
    assert (report / "drift.exit").read_text() == "2\n"
    assert (report / "preview.exit").read_text() == "0\n"
    assert json.loads((report / "preview.json").read_text()) == json.loads(document)
    result = run_step("review", "Result", job, inputs)
    assert result.returncode == 0
    assert "::warning::local:" in result.stdout

    transfer(job)
    run_step("pr-comment", "Combine them into one comment", job, STACKS)
    body = (Path(job["RUNNER_TEMP"]) / "ims-callbacks-comment.md").read_text(encoding="utf-8")
    assert "`~ 3 to update, 2 unchanged`" in body
    assert status_of(job)["exitCode"] == 0


def test_a_project_in_a_subfolder(job: dict[str, str], tmp_path: Path) -> None:
    # working-directory is relative to the workspace (the step's working directory).
    workspace = tmp_path / "workspace"
    project = workspace / "infra"
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: media\nruntime: nodejs\n", encoding="utf-8")
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: x\n", encoding="utf-8")
    Path(job["FAKE_PULUMI_OUTPUT"]).write_text(
        (FIXTURES / "in_sync.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    inputs = {"stack": "dev", "working-directory": "infra"}
    review = run_step("review", "Drift and preview", job, inputs, cwd=workspace)
    assert review.returncode == 0, review.stdout + review.stderr
    assert pulumi_calls(job) == [
        f"{project}|preview --refresh --stack dev --non-interactive --json"
    ]
    assert (report_of(job, "dev") / "drift.exit").read_text() == "0\n"
    assert run_step("review", "Result", job, inputs, cwd=workspace).returncode == 0


# --- the review action's Result step ------------------------------------------------------------


DRIFT_ERROR = "::error::dev: the drift check could not check everything (exit 1)"
RESULT_CASES = [
    # (drift.exit, preview.exit) (None: no file), fail-on-drift, (exit code, messages)
    (("0", "0"), "false", (0, ["dev: in sync"])),
    (("0", "0"), "true", (0, ["dev: in sync"])),
    (("0", None), "false", (0, ["dev: in sync"])),  # preview skipped or not asked for
    (("2", "0"), "false", (0, ["::warning::dev: live settings differ from this branch"])),
    (("2", None), "true", (1, ["::error::dev: live IMS callback settings drifted"])),
    (("1", "0"), "false", (1, [DRIFT_ERROR])),
    (("1", "0"), "true", (1, [DRIFT_ERROR])),
    ((None, None), "false", (1, [DRIFT_ERROR])),  # the review crashed before writing
    (("0", "2"), "false", (1, ["::error::dev: pulumi preview failed (exit 2)"])),
    (("0", "255"), "false", (1, ["::error::dev: pulumi preview failed (exit 255)"])),
    (
        ("2", "1"),
        "true",
        (1, ["::error::dev: live IMS callback settings drifted", "preview failed (exit 1)"]),
    ),
]


@pytest.mark.parametrize(("files", "fail_on_drift", "expected"), RESULT_CASES)
def test_result_step(
    env: dict[str, str],
    files: tuple[str | None, str | None],
    fail_on_drift: str,
    expected: tuple[int, list[str]],
) -> None:
    report = report_of(env, "dev")
    report.mkdir(parents=True)
    for name, value in zip(("drift.exit", "preview.exit"), files, strict=True):
        if value is not None:
            (report / name).write_text(f"{value}\n")
    Path(env["GITHUB_ENV"]).write_text(f"IMS_CALLBACKS_REPORT={report}\n")
    inputs = {"stack": "dev", "fail-on-drift": fail_on_drift}
    result = run_step("review", "Result", env, inputs)
    code, messages = expected
    assert result.returncode == code, result.stdout + result.stderr
    for message in messages:
        assert message in result.stdout


def test_result_step_when_the_review_never_ran(env: dict[str, str]) -> None:
    # The OIDC step failed: no report folder was ever announced. The job fails.
    result = run_step("review", "Result", env, {"stack": "dev"})
    assert result.returncode == 1
    assert "::error::dev: the drift check could not check everything (exit 1)" in result.stdout


# --- the scheduled drift check ------------------------------------------------------------------

SCHEDULED = {"stack": "local", "drift": "config", "preview": "false", "fail-on-drift": "true"}


def test_scheduled_drift_fails_loudly(job: dict[str, str]) -> None:
    review = run_step("review", "Drift and preview", job, SCHEDULED)
    assert review.returncode == 0, review.stdout + review.stderr
    assert sorted(p.name for p in report_of(job).iterdir()) == [
        "drift.exit",
        "drift.json",
        "drift.md",
        "preview.skipped",
    ]
    assert (report_of(job) / "preview.skipped").read_text() == "not requested\n"
    assert pulumi_calls(job) == []  # the state-free check needs no CLI
    result = run_step("review", "Result", job, SCHEDULED)
    assert result.returncode == 1
    assert "::error::local: live IMS callback settings drifted" in result.stdout

    transfer(job)
    combined = run_step("drift-issue", "Combine them into the issue body", job, STACKS)
    assert combined.returncode == 0, combined.stdout + combined.stderr
    body = (Path(job["RUNNER_TEMP"]) / "ims-callbacks-issue.md").read_text(encoding="utf-8")
    assert body.startswith(MARKER)
    assert status_of(job)["exitCode"] == 2
    loud = run_step("drift-issue", "Fail loudly on drift or error", job, STACKS)
    assert loud.returncode == 1
    assert "::error::ims-callbacks drift (exit 2): local:" in loud.stdout


@pytest.mark.parametrize(("code", "issue_rc", "comment_rc"), [(0, 0, 0), (1, 1, 1), (2, 1, 0)])
def test_the_fail_steps_read_the_status(
    env: dict[str, str], code: int, issue_rc: int, comment_rc: int
) -> None:
    # drift-issue fails on drift and on errors; pr-comment only on errors (a PR may change
    # the settings; combine.py --mode pr never says 2).
    status = Path(env["RUNNER_TEMP"]) / "ims-callbacks-status.json"
    status.write_text(json.dumps({"exitCode": code, "summary": "dev: in sync"}))
    loud = run_step("drift-issue", "Fail loudly on drift or error", env, STACKS)
    assert loud.returncode == issue_rc, loud.stdout + loud.stderr
    assert ("all stacks in sync" in loud.stdout) == (code == 0)
    fail = run_step("pr-comment", "Fail on an error", env, STACKS)
    assert fail.returncode == comment_rc, fail.stdout + fail.stderr


def test_the_fail_steps_fail_without_a_status(env: dict[str, str]) -> None:
    # combine.py never ran: no status file. Neither step may pass.
    assert run_step("drift-issue", "Fail loudly on drift or error", env, STACKS).returncode != 0
    assert run_step("pr-comment", "Fail on an error", env, STACKS).returncode != 0


# --- deploy -------------------------------------------------------------------------------------


def test_deploy_runs_pulumi_up_and_summarises(env: dict[str, str]) -> None:
    Path(env["FAKE_PULUMI_OUTPUT"]).write_text("Updating (dev):\nResources:\n    4 unchanged\n")
    inputs = {"stack": "dev"}
    up = run_step("deploy", "pulumi up --yes --refresh", env | {"PULUMI_ORG": "acme"}, inputs)
    assert up.returncode == 0, up.stdout + up.stderr
    assert pulumi_calls(env) == [
        f"{REPO}|up --yes --refresh --diff --continue-on-error --stack acme/dev --non-interactive"
        " --color never --suppress-progress"
    ]
    out = Path(env["RUNNER_TEMP"]) / "ims-callbacks-up-dev.txt"
    assert out.read_text() == "Updating (dev):\nResources:\n    4 unchanged\n"
    summary = run_step("deploy", "Summary", env, inputs)
    assert summary.returncode == 0, summary.stderr
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text() == (
        "### pulumi up --refresh: `dev`\n```text\n"
        "Updating (dev):\nResources:\n    4 unchanged\n```\n"
    )


def test_a_failed_deploy_fails_the_step(env: dict[str, str], tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "infra").mkdir(parents=True)
    inputs = {"stack": "prod", "working-directory": "infra"}
    up = run_step(
        "deploy",
        "pulumi up --yes --refresh",
        env | {"FAKE_PULUMI_EXIT": "3", "PULUMI_ORG": "other"},
        inputs,
        cwd=workspace,
    )
    assert up.returncode == 3
    (call,) = pulumi_calls(env)
    assert call.startswith(f"{workspace / 'infra'}|up --yes --refresh")
    assert "--stack other/prod " in call
    assert (Path(env["RUNNER_TEMP"]) / "ims-callbacks-up-prod.txt").is_file()
    summary = run_step("deploy", "Summary", env, inputs)
    assert "### pulumi up --refresh: `prod`" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.returncode == 0


def test_deploy_goes_through_the_wrapper_after_the_oidc_step(
    env: dict[str, str], tmp_path: Path
) -> None:
    token = tmp_path / "oidc-token"
    token.write_text("header.payload.signature", encoding="utf-8")
    env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"] = str(token)
    up = run_step("deploy", "pulumi up --yes --refresh", env, {"stack": "dev"})
    assert up.returncode == 1
    assert "run the ./.github/actions/aliyun-oidc action first" in up.stdout
    assert pulumi_calls(env) == []
    summary = run_step("deploy", "Summary", env, {"stack": "dev"})
    assert summary.returncode == 0
    assert not Path(env["GITHUB_STEP_SUMMARY"]).exists()


# --- setup --------------------------------------------------------------------------------------


def fake_python(env: dict[str, str], tmp_path: Path) -> Path:
    """A ``python`` on PATH that logs its folder and arguments (pip and uv install nothing)."""
    log = tmp_path / "python.log"
    script = f'#!/bin/sh\necho "$PWD|$*" >> {log}\n'
    (Path(env["PATH"].split(":")[0]) / "python").write_text(script, encoding="utf-8")
    (Path(env["PATH"].split(":")[0]) / "python").chmod(0o755)
    return log


def test_setup_installs_the_tools_from_its_own_checkout(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = fake_python(env, tmp_path)
    step = run_step("setup", "Install the ims-callbacks tools", env, cwd=tmp_path)
    assert step.returncode == 0, step.stdout + step.stderr
    tools = Path(env["RUNNER_TEMP"]) / "ims-callbacks-tools"
    exported = checks.runner_env(env)
    assert exported["IMS_CALLBACKS_HOME"] == str(REPO)
    assert exported["IMS_CALLBACKS_PYTHON"] == str(tools / "bin" / "python")
    calls = [line.split("|", 1)[1] for line in log.read_text().splitlines()]
    assert len(calls) == 3
    assert calls[0].startswith("-m pip install")
    assert calls[0].endswith(f"-r {ACTIONS / 'setup' / 'requirements.txt'}")
    assert calls[1].startswith("-m uv venv")
    assert calls[1].endswith(str(tools))
    assert (
        calls[2]
        == f"-m uv pip install --quiet --python {tools}/bin/python -r {REPO}/requirements.txt"
    )


def test_setup_installs_the_project_in_its_working_directory(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = fake_python(env, tmp_path)
    workspace = tmp_path / "workspace"
    project = workspace / "infra"
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text(
        "name: m\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n", encoding="utf-8"
    )
    (project / "requirements.txt").write_text("pulumi\n", encoding="utf-8")
    inputs = {"working-directory": "infra"}
    step = run_step("setup", "Install the project's dependencies", env, inputs, cwd=workspace)
    assert step.returncode == 0, step.stdout + step.stderr
    assert log.read_text().splitlines() == [
        f"{project}|-m uv venv --quiet --seed --allow-existing"
        f" --python {tmp_path / 'bin' / 'python'} {project / 'venv'}",
        f"{project}|-m uv pip install --quiet --python {project / 'venv'}"
        f" -r {project / 'requirements.txt'}",
    ]


def test_setup_names_a_wrong_working_directory(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "workspace" / "infra").mkdir(parents=True)
    step = run_step(
        "setup",
        "Install the project's dependencies",
        env,
        {"working-directory": "infra"},
        cwd=tmp_path / "workspace",
    )
    assert step.returncode == 1
    assert step.stdout == (
        f"::error::no Pulumi.yaml in {tmp_path / 'workspace' / 'infra'} (input working-directory)\n"
    )
