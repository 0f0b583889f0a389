"""The GitHub workflows: the real actionlint, then the structural rules that matter.

actionlint comes from scripts/actionlint.sh (built once into ~/.cache/ims-callbacks from the
Go module proxy). Every structural rule is also run on a deliberately broken copy, so each one
is shown to fail when the workflows are wrong.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.workflows import checks
from tests.workflows.checks import MARKER, REPO, WORKFLOWS

SCRIPT = REPO / "scripts" / "actionlint.sh"
ACTIONLINT_VERSION = "v1.7.12"


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=540, check=False, **kwargs)


@pytest.fixture(scope="session")
def actionlint() -> Path:
    """The actionlint binary (built on first use; the script prints its path)."""
    result = _run(["bash", str(SCRIPT), "--print-path"])
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def pr() -> checks.Workflow:
    return checks.load(WORKFLOWS / "pr-review.yml")


@pytest.fixture(scope="module")
def deploy() -> checks.Workflow:
    return checks.load(WORKFLOWS / "deploy.yml")


@pytest.fixture(scope="module")
def schedule() -> checks.Workflow:
    return checks.load(WORKFLOWS / "drift-schedule.yml")


# --- actionlint --------------------------------------------------------------------------------


def test_the_three_workflows_exist() -> None:
    names = {p.name for p in checks.workflow_files()}
    assert {"pr-review.yml", "deploy.yml", "drift-schedule.yml"} <= names


def test_actionlint_version(actionlint: Path) -> None:
    result = _run([str(actionlint), "-version"])
    assert result.stdout.splitlines()[0].strip() == ACTIONLINT_VERSION


def test_actionlint_passes_on_the_workflows(actionlint: Path) -> None:
    result = _run(["bash", str(SCRIPT)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: no problems found" in result.stderr
    assert re.search(r"shellcheck: (/\S+|not found|switched off)", result.stderr)


def test_actionlint_script_is_idempotent(actionlint: Path) -> None:
    again = _run(["bash", str(SCRIPT), "--print-path"])
    assert again.returncode == 0
    assert Path(again.stdout.strip()) == actionlint
    assert "using cached actionlint" in again.stderr or "from PATH" in again.stderr


def test_actionlint_script_builds_into_an_empty_cache(tmp_path: Path) -> None:
    # Ignore any actionlint on PATH and start from an empty cache: the script must build
    # v1.7.12 with `go install` into the cache (outside the repository), then reuse it.
    env = os.environ | {
        "IMS_CALLBACKS_CACHE": str(tmp_path / "cache"),
        "IMS_CALLBACKS_IGNORE_PATH_ACTIONLINT": "1",
    }
    first = _run(["bash", str(SCRIPT), "--print-path"], env=env)
    assert first.returncode == 0, first.stderr
    built = Path(first.stdout.strip())
    assert built == tmp_path / "cache" / "actionlint" / ACTIONLINT_VERSION / "bin" / "actionlint"
    assert "building actionlint" in first.stderr
    assert _run([str(built), "-version"]).stdout.startswith(ACTIONLINT_VERSION)
    second = _run(["bash", str(SCRIPT), "--print-path"], env=env)
    assert second.stdout.strip() == str(built)
    assert "using cached actionlint" in second.stderr


def test_actionlint_script_reports_a_missing_shellcheck(actionlint: Path, tmp_path: Path) -> None:
    # A PATH with the tools the script needs, but no shellcheck.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "head", "tr", "sed", "mkdir", "mktemp", "mv", "rm", "cat", "bash"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    env = {
        "PATH": str(bin_dir),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "IMS_CALLBACKS_CACHE": str(actionlint.parents[3]),
    }
    result = _run(["bash", str(SCRIPT)], env=env)
    assert result.returncode == 0, result.stderr
    assert "shellcheck: not found" in result.stderr
    assert "apt-get install shellcheck" in result.stderr


def test_composite_action_scripts_and_the_lint_script_pass_shellcheck() -> None:
    # actionlint checks the workflows' run: scripts, not those of composite actions.
    # shellcheck is required, never skipped: `make test` installs it (scripts/install-tools.sh).
    assert shutil.which("shellcheck"), "shellcheck is not installed: run scripts/install-tools.sh"
    for path in checks.action_files():
        for step in checks.steps(checks.load(path)):
            if "run" in step:
                result = _run(["shellcheck", "-s", "bash", "-"], input=step["run"])
                assert result.returncode == 0, f"{path}: {step.get('name')}\n{result.stdout}"
    for script in (SCRIPT, REPO / "scripts" / "install-tools.sh"):
        result = _run(["shellcheck", str(script)])
        assert result.returncode == 0, result.stdout


@pytest.fixture
def repo_copy(tmp_path: Path, actionlint: Path) -> Path:
    """A scratch repository with a copy of .github; it lints clean before any breakage."""
    shutil.copytree(REPO / ".github", tmp_path / ".github")
    (tmp_path / ".git").mkdir()  # actionlint resolves local actions only inside a repository
    result = _lint(actionlint, tmp_path)
    assert result.returncode == 0, result.stdout  # the control: the unbroken copy is clean
    return tmp_path


def _lint(actionlint: Path, root: Path) -> subprocess.CompletedProcess[str]:
    files = sorted(str(p.relative_to(root)) for p in (root / ".github/workflows").glob("*.yml"))
    return _run([str(actionlint), "-no-color", "-shellcheck=", "-pyflakes=", *files], cwd=root)


BREAKAGES = [
    pytest.param(
        (
            "deploy.yml",
            "id-token: write # OIDC: assume the prod deploy role",
            "id-tokens: write",
            "unknown permission scope",
        ),
        id="unknown-permission-scope",
    ),
    pytest.param(
        (
            "deploy.yml",
            "needs: deploy-dev # prod only after dev went through",
            "needs: deploy-staging",
            "does not exist",
        ),
        id="needs-an-unknown-job",
    ),
    pytest.param(("drift-schedule.yml", '"17 6 * * *"', '"17 25 * * *"', "cron"), id="bad-cron"),
    pytest.param(
        (
            "pr-review.yml",
            "      - name: Result\n        run: |\n",
            "      - name: Result\n        run: |\n"
            '          echo "${{ github.event.pull_request.title }}"\n',
            "potentially untrusted",
        ),
        id="script-injection",
    ),
    pytest.param(
        (
            "drift-schedule.yml",
            'pulumi: "false"',
            'pulumii: "false"',
            'input "pulumii" is not defined',
        ),
        id="unknown-input-of-a-local-action",
    ),
    pytest.param(
        (
            "pr-review.yml",
            "environment: ${{ matrix.stack }}-preview",
            "environment: ${{ matrix.stak }}-preview",
            'property "stak" is not defined',
        ),
        id="undefined-matrix-property",
    ),
]


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_actionlint_fails_on_a_broken_copy(
    actionlint: Path, repo_copy: Path, breakage: tuple[str, str, str, str]
) -> None:
    name, old, new, message = breakage
    path = repo_copy / ".github" / "workflows" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the breakage no longer applies to {name}: update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = _lint(actionlint, repo_copy)
    assert result.returncode == 1, result.stdout
    assert message in result.stdout


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pr-review.yml", "deploy.yml", "drift-schedule.yml"])
def test_every_job_has_explicit_least_privilege_permissions(name: str) -> None:
    assert checks.check_permissions(checks.load(WORKFLOWS / name)) == []


def test_id_token_write_exactly_where_oidc_is_used(
    pr: checks.Workflow, deploy: checks.Workflow, schedule: checks.Workflow
) -> None:
    oidc_jobs = {
        (wf_name, job_name)
        for wf_name, wf in (("pr", pr), ("deploy", deploy), ("schedule", schedule))
        for job_name, job in checks.jobs(wf).items()
        if (job.get("permissions") or {}).get("id-token") == "write"
    }
    assert oidc_jobs == {
        ("pr", "review"),
        ("deploy", "deploy-dev"),
        ("deploy", "deploy-prod"),
        ("schedule", "drift"),
    }
    assert checks.jobs(pr)["comment"]["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
    }
    assert checks.jobs(schedule)["report"]["permissions"] == {
        "contents": "read",
        "issues": "write",
    }


def test_permission_rules_can_fail(deploy: checks.Workflow, pr: checks.Workflow) -> None:
    broken = copy.deepcopy(deploy)
    del checks.jobs(broken)["deploy-dev"]["permissions"]
    assert "job deploy-dev: no explicit permissions mapping" in checks.check_permissions(broken)

    broken = copy.deepcopy(pr)
    broken["jobs"]["comment"]["permissions"]["id-token"] = "write"
    assert any("id-token: write without" in p for p in checks.check_permissions(broken))

    broken = copy.deepcopy(pr)
    broken["jobs"]["review"]["permissions"]["pull-requests"] = "write"
    assert any("no other grant" in p for p in checks.check_permissions(broken))

    broken = copy.deepcopy(pr)
    broken["jobs"]["comment"]["permissions"]["contents"] = "write"
    assert any("contents: write" in p for p in checks.check_permissions(broken))

    broken = copy.deepcopy(pr)
    broken["permissions"] = "write-all"
    assert any("top-level" in p for p in checks.check_permissions(broken))

    broken = copy.deepcopy(deploy)
    del broken["jobs"]["deploy-prod"]["permissions"]["id-token"]
    assert any("without id-token" in p for p in checks.check_permissions(broken))


# --- deploy -------------------------------------------------------------------------------------


def test_deploy_runs_per_stack_in_order_with_a_non_cancelling_group(
    deploy: checks.Workflow,
) -> None:
    assert checks.check_deploy(deploy) == []
    assert checks.check_prod_after_dev(deploy) == []
    on = checks.triggers(deploy)
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on
    prod = checks.jobs(deploy)["deploy-prod"]
    assert prod["concurrency"] == {"group": "pulumi-prod", "cancel-in-progress": False}
    assert prod["environment"] == "prod"


def test_deploy_rules_can_fail(deploy: checks.Workflow) -> None:
    broken = copy.deepcopy(deploy)
    broken["jobs"]["deploy-prod"]["concurrency"]["cancel-in-progress"] = True
    assert checks.check_deploy(broken) == ["job deploy-prod: cancel-in-progress must be false"]

    broken = copy.deepcopy(deploy)
    broken["jobs"]["deploy-dev"]["concurrency"] = "pulumi"
    assert checks.check_deploy(broken) == ["job deploy-dev: concurrency group must be pulumi-dev"]

    broken = copy.deepcopy(deploy)
    broken["jobs"]["deploy-prod"]["environment"] = "dev"
    assert checks.check_deploy(broken) == ["job deploy-prod: environment must be prod"]

    broken = copy.deepcopy(deploy)
    del broken["jobs"]["deploy-prod"]["needs"]
    assert checks.check_prod_after_dev(broken) != []

    broken = copy.deepcopy(deploy)
    for step in broken["jobs"]["deploy-dev"]["steps"]:
        if "pulumi up" in step.get("run", ""):
            step["run"] = step["run"].replace("--refresh ", "")
    assert checks.check_deploy(broken) == ["job deploy-dev: pulumi up lacks --refresh"]


# --- secrets ------------------------------------------------------------------------------------


def test_no_secret_is_shown_or_echoed() -> None:
    problems = [p for args in checks.iter_steps() for p in checks.check_step_secrets(*args)]
    assert problems == []


def test_secrets_reach_only_the_steps_that_need_them() -> None:
    users = {
        (where, step.get("name"))
        for where, step, _, _ in checks.iter_steps()
        if any(checks.SECRET_EXPR.search(str(v)) for v in (step.get("env") or {}).values())
    }
    assert users == {
        ("pr-review.yml:review", "Drift check (read-only, GetEventCallback only)"),
        ("pr-review.yml:review", "pulumi preview --refresh --diff"),
        ("deploy.yml:deploy-dev", "pulumi up --yes --refresh"),
        ("deploy.yml:deploy-prod", "pulumi up --yes --refresh"),
        ("drift-schedule.yml:drift", "Drift check (read-only, GetEventCallback only)"),
    }


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            {"name": "s", "run": "pulumi preview --show-secrets --stack dev"},
            "uses --show-secrets",
        ),
        (
            {
                "name": "s",
                "env": {"P": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"},
                "run": 'echo "pass: $P"',
            },
            "echoes $P",
        ),
        (
            {"name": "s", "env": {"P": "${{ secrets.X }}"}, "run": "printf '%s' \"${P}\" >&2"},
            "echoes $P",
        ),
        ({"name": "s", "run": "echo ${{ secrets.PULUMI_ACCESS_TOKEN }}"}, "interpolates a secret"),
        (
            {"name": "s", "env": {"P": "${{ secrets.X }}"}, "run": "set -euxo pipefail\nrun"},
            "xtrace",
        ),
        (
            {"name": "s", "uses": "some/action@v1", "with": {"token": "${{ secrets.X }}"}},
            "hands a secret to an action",
        ),
    ],
)
def test_secret_rules_can_fail(step: dict[str, Any], expected: str) -> None:
    problems = checks.check_step_secrets("wf.yml:job", step, {}, {})
    assert any(expected in p for p in problems), problems


def test_a_secret_in_job_env_is_rejected() -> None:
    problems = checks.check_step_secrets(
        "wf.yml:job", {"run": "true"}, {"P": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"}, {}
    )
    assert problems == ["wf.yml:job: step ?: secret P in job/workflow env reaches every step"]


def test_previews_and_ups_never_show_secrets() -> None:
    texts = [p.read_text(encoding="utf-8") for p in checks.workflow_files()]
    commands = [
        line
        for text in texts
        for line in text.splitlines()
        if re.search(r"pulumi (preview|up)", line)
    ]
    assert commands
    assert not any("--show-secrets" in line for line in commands)


# --- pins ---------------------------------------------------------------------------------------


def test_third_party_actions_are_pinned_to_commit_shas() -> None:
    files = checks.workflow_files() + checks.action_files()
    problems = [p for f in files for p in checks.check_pins(f.read_text(encoding="utf-8"), f.name)]
    assert problems == []


def test_pin_rule_can_fail() -> None:
    assert checks.check_pins("      - uses: actions/checkout@v6\n", "x.yml") == [
        "x.yml: actions/checkout@v6 is not pinned to a commit SHA"
    ]
    sha = "de0fac2e4500dabe0009e67214ff5f5447ce83dd"
    assert checks.check_pins(f"  uses: actions/checkout@{sha}\n", "x.yml") == [
        f"x.yml: actions/checkout@{sha} has no version comment"
    ]
    assert checks.check_pins("  uses: ./.github/actions/setup\n", "x.yml") == []


def test_no_pull_request_target() -> None:
    for path in checks.workflow_files():
        assert "pull_request_target" not in checks.triggers(checks.load(path)), path.name


# --- pull-request review ------------------------------------------------------------------------


def test_pr_review_triggers_on_the_project_paths(pr: checks.Workflow) -> None:
    paths = checks.triggers(pr)["pull_request"]["paths"]
    for required in (
        "stacks/**",
        "components/**",
        "__main__.py",
        "Pulumi.yaml",
        "requirements*.txt",
    ):
        assert required in paths


def test_pr_review_matrix_comes_from_one_list(
    pr: checks.Workflow, schedule: checks.Workflow
) -> None:
    expected = '${{ fromJSON(vars.IMS_CALLBACKS_STACKS || \'["dev","prod"]\') }}'
    assert checks.jobs(pr)["review"]["strategy"]["matrix"]["stack"] == expected
    assert checks.jobs(schedule)["drift"]["strategy"]["matrix"]["stack"] == expected
    assert checks.jobs(pr)["review"]["environment"] == "${{ matrix.stack }}-preview"


def test_pr_review_runs_drift_and_preview(pr: checks.Workflow) -> None:
    run = "\n".join(str(s.get("run", "")) for s in checks.steps(checks.jobs(pr)["review"]))
    assert 'python -m components.drift --stack "$STACK" --format markdown' in run
    assert 'python -m components.drift --stack "$STACK" --format json' in run
    assert 'pulumi preview --refresh --diff --stack "$stack_ref"' in run
    assert "aliyun_oidc.py run --output" in run
    uploads = [
        s for s in checks.steps(checks.jobs(pr)["review"]) if "upload-artifact" in s.get("uses", "")
    ]
    assert uploads
    assert uploads[0]["if"] == "always()"
    assert uploads[0]["with"]["name"] == "report-${{ matrix.stack }}"


def test_pr_comment_step_uses_the_hidden_marker(pr: checks.Workflow) -> None:
    assert checks.check_comment_step(pr) == []
    comment = checks.jobs(pr)["comment"]
    assert comment["needs"] == "review"
    assert comment["if"].startswith("always()")


def test_comment_rule_can_fail(pr: checks.Workflow) -> None:
    broken = copy.deepcopy(pr)
    for step in checks.steps(checks.jobs(broken)["comment"]):
        if "script" in (step.get("with") or {}):
            step["with"]["script"] = step["with"]["script"].replace(MARKER, "<!-- other -->")
    assert "the comment step does not look for the hidden marker" in checks.check_comment_step(
        broken
    )


# --- scheduled drift ----------------------------------------------------------------------------


def test_drift_schedule_fails_loudly_and_keeps_an_issue(schedule: checks.Workflow) -> None:
    on = checks.triggers(schedule)
    assert on["schedule"][0]["cron"]
    assert "workflow_dispatch" in on
    report = checks.jobs(schedule)["report"]
    assert report["if"] == "always()"
    script = next(
        s["with"]["script"] for s in checks.steps(report) if "github-script" in s.get("uses", "")
    )
    assert "const label = 'drift'" in script
    assert MARKER in script
    for call in ("issues.create(", "issues.update(", "createLabel"):
        assert call in script
    fail = checks.steps(report)[-1]
    assert "exit 1" in fail["run"]
    drift_step = next(
        s
        for s in checks.steps(checks.jobs(schedule)["drift"])
        if s["name"] == "Fail on drift or error"
    )
    assert "exit 2" in drift_step["run"]


# --- the docs -----------------------------------------------------------------------------------


def test_every_variable_and_secret_is_documented() -> None:
    docs = (REPO / "docs" / "pipelines.md").read_text(encoding="utf-8")
    names = set()
    for path in checks.workflow_files():
        names |= set(re.findall(r"\b(?:vars|secrets)\.([A-Z_]+)", path.read_text(encoding="utf-8")))
    assert names
    for name in sorted(names):
        assert f"`{name}`" in docs, name
    for path in checks.workflow_files():
        assert path.name in docs, path.name


def test_yaml_files_parse() -> None:
    for path in checks.workflow_files() + checks.action_files():
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path
