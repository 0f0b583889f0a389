"""The GitHub workflows and composite actions: the real actionlint, then the structural rules.

actionlint comes from scripts/actionlint.sh (built once into ~/.cache/ims-callbacks from the
Go module proxy); it lints the workflows, and the local actions only as far as the workflows
call them, so the composite actions' own rules (pins, sibling paths, inputs, scripts) are
checked here (tests/workflows/checks.py). Every structural rule is also run on a deliberately
broken copy, so each one is shown to fail when the files are wrong.
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
from tests.workflows.checks import ACTIONS, MARKER, REPO, WORKFLOWS

SCRIPT = REPO / "scripts" / "actionlint.sh"
ACTIONLINT_VERSION = "v1.7.12"
RUNNER_BASH_OPTIONS = "set -eo pipefail"


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


def test_composite_action_scripts_and_the_lint_scripts_pass_shellcheck() -> None:
    # actionlint checks the workflows' run: scripts, not those of composite actions (nor the
    # scripts they call). shellcheck is required, never skipped: `make test` installs it
    # (scripts/install-tools.sh).
    assert shutil.which("shellcheck"), "shellcheck is not installed: run scripts/install-tools.sh"
    checked = 0
    for path in checks.action_files():
        for step in checks.steps(checks.load(path)):
            if "run" in step:
                # A composite step's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`:
                # shellcheck reads the script with the options the runner gives it.
                script = f"{RUNNER_BASH_OPTIONS}\n{step['run']}"
                result = _run(["shellcheck", "-s", "bash", "-"], input=script)
                assert result.returncode == 0, f"{path}: {step.get('name')}\n{result.stdout}"
                checked += 1
    assert checked >= 10
    scripts = [SCRIPT, REPO / "scripts" / "install-tools.sh", *sorted(ACTIONS.glob("*/*.sh"))]
    assert ACTIONS / "setup" / "tools.sh" in scripts
    for script in scripts:
        result = _run(["shellcheck", str(script)])
        assert result.returncode == 0, result.stdout


def test_shellcheck_fails_on_a_bad_script() -> None:
    # The control: the way the test above calls shellcheck does report a problem.
    script = f"{RUNNER_BASH_OPTIONS}\nout=$1\ncat $out\n"
    result = _run(["shellcheck", "-s", "bash", "-"], input=script)
    assert result.returncode == 1
    assert "SC2086" in result.stdout


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
            "test.yml",
            'run: make test PYTHON="python$MATRIX_PYTHON"',
            'run: make test PYTHON="python${{ github.event.pull_request.title }}"',
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
            "        uses: ./.github/actions/pr-comment\n        with:\n"
            '          stacks: ${{ vars.IMS_CALLBACKS_STACKS || \'["dev","prod"]\' }}\n',
            "        uses: ./.github/actions/pr-comment\n",
            'missing input "stacks"',
        ),
        id="missing-required-input-of-a-local-action",
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


# --- permissions and forks ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pr-review.yml", "deploy.yml", "drift-schedule.yml", "test.yml"])
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
    assert {
        (wf_name, job_name)
        for wf_name, wf in (("pr", pr), ("deploy", deploy), ("schedule", schedule))
        for job_name, job in checks.jobs(wf).items()
        if checks.uses_oidc(job)
    } == oidc_jobs
    assert checks.jobs(pr)["comment"]["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
    }
    assert checks.jobs(schedule)["report"]["permissions"] == {
        "contents": "read",
        "issues": "write",
    }


def test_the_actions_that_assume_a_role_do_it_only_when_given_one() -> None:
    assuming = {p.parent.name for p in checks.action_files() if checks.assumes_role(checks.load(p))}
    assert assuming == {"aliyun-oidc", "review", "deploy"}
    for name in ("review", "deploy"):
        composite = checks.action(name)
        (step,) = [
            s for s in checks.steps(composite) if checks.assumes_role({"runs": {"steps": [s]}})
        ]
        assert step["if"] == "inputs.role-arn != ''"
        assert step["run"] == 'python3 "$GITHUB_ACTION_PATH/../aliyun-oidc/aliyun_oidc.py" token'
        env = step["env"]
        assert env["INPUT_ROLE_ARN"] == "${{ inputs.role-arn }}"
        assert env["INPUT_OIDC_PROVIDER_ARN"] == "${{ inputs.oidc-provider-arn }}"
        assert env["INPUT_STS_ENDPOINT"] == "${{ inputs.sts-endpoint }}"


def test_permission_rules_can_fail(deploy: checks.Workflow, pr: checks.Workflow) -> None:
    broken = copy.deepcopy(deploy)
    del checks.jobs(broken)["deploy-dev"]["permissions"]
    assert "job deploy-dev: no explicit permissions mapping" in checks.check_permissions(broken)

    broken = copy.deepcopy(pr)
    broken["jobs"]["comment"]["permissions"]["id-token"] = "write"
    assert any("id-token: write without" in p for p in checks.check_permissions(broken))

    broken = copy.deepcopy(pr)  # no role-arn: the review action assumes nothing
    for step in broken["jobs"]["review"]["steps"]:
        (step.get("with") or {}).pop("role-arn", None)
    assert "job review: id-token: write without the OIDC action" in checks.check_permissions(broken)

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


def test_pull_request_jobs_with_secrets_or_grants_skip_forks(pr: checks.Workflow) -> None:
    for path in checks.workflow_files():
        assert checks.check_fork_guard(checks.load(path)) == [], path.name
    assert checks.jobs(pr)["review"]["if"] == checks.FORK_GUARD
    assert checks.jobs(pr)["comment"]["if"] == f"${{{{ !cancelled() && {checks.FORK_GUARD} }}}}"


@pytest.mark.parametrize("job", ["review", "comment"])
def test_fork_guard_rule_can_fail(pr: checks.Workflow, job: str) -> None:
    broken = copy.deepcopy(pr)
    broken["jobs"][job]["if"] = "always()"
    assert checks.check_fork_guard(broken) == [
        f"job {job}: no fork guard ({checks.FORK_GUARD}) in its if:"
    ]
    broken = copy.deepcopy(pr)
    del broken["jobs"][job]["if"]
    assert len(checks.check_fork_guard(broken)) == 1


def test_no_pull_request_target() -> None:
    for path in checks.workflow_files():
        assert "pull_request_target" not in checks.triggers(checks.load(path)), path.name


# --- deploy -------------------------------------------------------------------------------------


def test_deploy_runs_per_stack_in_order_with_a_non_cancelling_group(
    deploy: checks.Workflow,
) -> None:
    assert checks.check_deploy(deploy) == []
    assert checks.check_prod_after_dev(deploy) == []
    assert checks.deploy_stacks(deploy) == {"dev": "deploy-dev", "prod": "deploy-prod"}
    on = checks.triggers(deploy)
    assert on["push"]["branches"] == ["main"]
    for path in ("stacks/**", "components/**", "provider/**", "Pulumi.yaml", ".github/actions/**"):
        assert path in on["push"]["paths"]
    assert "workflow_dispatch" in on
    prod = checks.jobs(deploy)["deploy-prod"]
    assert prod["concurrency"] == {"group": "pulumi-prod", "cancel-in-progress": False}
    assert prod["environment"] == "prod"


def test_the_deploy_action_runs_pulumi_up_through_the_wrapper() -> None:
    assert checks.check_deploy_action(checks.action("deploy")) == []


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
    del checks.step_named(broken["jobs"]["deploy-dev"], "pulumi up --yes --refresh")["with"][
        "role-arn"
    ]
    assert checks.check_deploy(broken) == [
        "job deploy-dev: the deploy must assume its role by OIDC"
    ]

    broken = copy.deepcopy(deploy)
    broken["jobs"]["deploy-prod"]["steps"].append(
        {"name": "quick fix", "run": 'pulumi up --yes --stack "$STACK"'}
    )
    assert checks.check_deploy(broken) == [
        "job deploy-prod: runs pulumi up itself (use ./.github/actions/deploy)"
    ]

    broken = copy.deepcopy(deploy)
    for job in broken["jobs"].values():
        job["steps"] = [s for s in job["steps"] if s.get("uses") != checks.DEPLOY_ACTION]
    assert "no job uses ./.github/actions/deploy" in checks.check_deploy(broken)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("--yes --refresh --diff", "--yes --diff", "pulumi up lacks --refresh"),
        ("pulumi up --yes", "pulumi up", "pulumi up lacks --yes"),
        ('--stack "$stack_ref"', '--stack "$STACK"', 'pulumi up lacks --stack "$stack_ref"'),
        (
            '"$IMS_CALLBACKS_PYTHON" "$GITHUB_ACTION_PATH/../aliyun-oidc/aliyun_oidc.py" run'
            ' --output "$out" -- "${up[@]}"',
            '"${up[@]}"',
            "pulumi up must run through the OIDC/STS wrapper (aliyun_oidc.py run)",
        ),
        ("--non-interactive", "--show-secrets --non-interactive", "pulumi up shows secrets"),
    ],
)
def test_deploy_action_rules_can_fail(old: str, new: str, expected: str) -> None:
    broken = copy.deepcopy(checks.action("deploy"))
    step = checks.step_named(broken, "pulumi up --yes --refresh")
    assert old in step["run"], "the breakage no longer applies: update the test"
    step["run"] = step["run"].replace(old, new, 1)
    assert checks.check_deploy_action(broken) == [expected]


def test_deploy_action_assumes_the_role_only_when_asked() -> None:
    broken = copy.deepcopy(checks.action("deploy"))
    del checks.step_named(broken, "Assume the role (OIDC)")["if"]
    assert checks.check_deploy_action(broken) == [
        "the role is assumed exactly once, if: inputs.role-arn != ''"
    ]


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
        ("pr-review.yml:review", "Drift and preview (read-only)"),
        ("deploy.yml:deploy-dev", "pulumi up --yes --refresh"),
        ("deploy.yml:deploy-prod", "pulumi up --yes --refresh"),
        ("drift-schedule.yml:drift", "Drift check (read-only)"),
    }
    # Each of them is a local action that takes the secrets from the step's env: (an action's
    # inputs would show in the log of its `with:`), and no composite action asks for one.
    for where, step, _, _ in checks.iter_steps():
        if (where, step.get("name")) in users:
            assert step["uses"] in (checks.DEPLOY_ACTION, "./.github/actions/review")
    for path in checks.action_files():
        for name, spec in (checks.load(path).get("inputs") or {}).items():
            assert not re.search(r"secret|passphrase|password", name, re.I), (path, name)
            assert not checks.SECRET_EXPR.search(str(spec)), (path, name)


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
        (
            {"name": "s", "uses": "./.github/actions/review", "with": {"p": "${{ secrets.X }}"}},
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


def test_nothing_under_github_shows_secrets() -> None:
    # The workflows, the actions and the scripts they run (review.py builds the previews).
    files = [p for p in (REPO / ".github").rglob("*") if p.is_file()]
    assert ACTIONS / "review" / "review.py" in files
    for path in files:
        assert "--show-secrets" not in path.read_text(encoding="utf-8"), path
    review = (ACTIONS / "review" / "review.py").read_text(encoding="utf-8")
    assert '"pulumi", "preview", "--refresh"' in review
    deploy = yaml.safe_dump(checks.action("deploy"))
    assert "pulumi up --yes --refresh" in deploy


# --- pins ---------------------------------------------------------------------------------------


def _pinned_texts() -> dict[str, str]:
    files = checks.workflow_files() + checks.action_files()
    return {str(f.relative_to(REPO)): f.read_text(encoding="utf-8") for f in files}


def test_third_party_actions_are_pinned_to_commit_shas() -> None:
    texts = _pinned_texts()
    assert any(name.startswith(".github/actions/") for name in texts)
    problems = [p for name, text in texts.items() for p in checks.check_pins(text, name)]
    assert problems == []
    # The composite actions use remote actions too: they are pinned like the workflows'.
    in_actions = {
        ref
        for name, text in texts.items()
        if name.startswith(".github/actions/")
        for ref in checks.pins({name: text})
    }
    assert in_actions == {
        "actions/setup-python",
        "pulumi/actions",
        "actions/upload-artifact",
        "actions/download-artifact",
        "actions/github-script",
    }


def test_one_commit_per_action_and_the_docs_list_it() -> None:
    docs = checks.DOCS.read_text(encoding="utf-8")
    assert checks.check_pin_consistency(_pinned_texts(), docs) == []


def test_pin_rule_can_fail() -> None:
    assert checks.check_pins("      - uses: actions/checkout@v6\n", "x.yml") == [
        "x.yml: actions/checkout@v6 is not pinned to a commit SHA"
    ]
    sha = "de0fac2e4500dabe0009e67214ff5f5447ce83dd"
    assert checks.check_pins(f"  uses: actions/checkout@{sha}\n", "x.yml") == [
        f"x.yml: actions/checkout@{sha} has no version comment"
    ]
    assert checks.check_pins("  uses: ./.github/actions/setup\n", "x.yml") == []
    # A composite action's remote step (a user's workflow runs it with our pin, not theirs).
    assert checks.check_pins(
        "    - name: x\n      uses: actions/download-artifact@main\n", "review/action.yml"
    ) == ["review/action.yml: actions/download-artifact@main is not pinned to a commit SHA"]


def test_pin_consistency_rule_can_fail() -> None:
    docs = checks.DOCS.read_text(encoding="utf-8")
    texts = _pinned_texts()
    other = "0" * 40
    texts["extra.yml"] = f"      - uses: actions/checkout@{other} # v6.0.2\n"
    (problem,) = checks.check_pin_consistency(texts, docs)
    assert problem.startswith("actions/checkout is pinned to different commits")
    texts = {"x.yml": f"      - uses: actions/cache@{other} # v4.0.0\n"}
    assert checks.check_pin_consistency(texts, docs) == [
        f"actions/cache@{other} (v4.0.0) is not in the docs' pinned-actions table"
    ]


# --- the composite actions ----------------------------------------------------------------------


def test_the_actions_a_user_calls_exist() -> None:
    names = {p.parent.name for p in checks.action_files()}
    assert names == {"aliyun-oidc", "deploy", "drift-issue", "pr-comment", "review", "setup"}
    # combine.py lives in report/ without an action.yml: the others call it by path.
    assert (ACTIONS / "report" / "combine.py").is_file()
    assert not (ACTIONS / "report" / "action.yml").exists()


@pytest.mark.parametrize("path", checks.action_files(), ids=lambda p: p.parent.name)
def test_composite_action_rules(path: Path) -> None:
    assert checks.check_composite(checks.load(path), path.parent.name) == []


def test_every_local_action_call_matches_the_inputs() -> None:
    calls = [(where, step) for where, step, _, _ in checks.iter_steps() if "uses" in step]
    local = [c for c in calls if checks.local_action_file(c[1]["uses"])]
    assert len(local) >= 9
    problems = [p for where, step in calls for p in checks.check_local_uses(where, step)]
    assert problems == []


def test_input_rule_can_fail() -> None:
    step = {"uses": "./.github/actions/review", "with": {"stack": "dev", "fail_on_drift": "true"}}
    assert checks.check_local_uses("wf", step) == [
        "wf: ./.github/actions/review has no input 'fail_on_drift'"
    ]
    assert checks.check_local_uses("wf", {"uses": "./.github/actions/review"}) == [
        "wf: ./.github/actions/review needs the input 'stack'"
    ]
    assert checks.check_local_uses("wf", {"uses": "./.github/actions/report"}) == [
        "wf: ./.github/actions/report has no action.yml"
    ]


@pytest.mark.parametrize(
    ("action", "change", "expected"),
    [
        (
            "review",
            lambda a: a["runs"]["steps"].insert(
                0, {"name": "Assume", "uses": "./.github/actions/aliyun-oidc"}
            ),
            "review: step Assume: uses ./.github/actions/aliyun-oidc (resolves in the caller's "
            "workspace; call $GITHUB_ACTION_PATH/../<name>/<script> instead)",
        ),
        (
            "review",
            lambda a: a["runs"]["steps"].append(
                {"name": "x", "shell": "bash", "run": 'echo "${{ inputs.stack }}"'}
            ),
            "review: step x: ${{ }} in the script (pass it through env:)",
        ),
        (
            "deploy",
            lambda a: a["runs"]["steps"].append(
                {"name": "x", "shell": "bash", "run": "set -x\npulumi whoami"}
            ),
            "deploy: step x: xtrace would print the caller's secrets",
        ),
        (
            "deploy",
            lambda a: a["runs"]["steps"].append({"name": "x", "run": "true"}),
            "deploy: step x: a run step needs shell: bash",
        ),
        (
            "pr-comment",
            lambda a: a["runs"]["steps"].append(
                {"name": "x", "shell": "bash", "env": {"T": "${{ inputs.token }}"}, "run": "true"}
            ),
            "pr-comment: uses undeclared input 'token'",
        ),
        (
            "drift-issue",
            lambda a: a["inputs"].update({"assignee": {"description": "x", "required": False}}),
            "drift-issue: input 'assignee' is never used",
        ),
        (
            "setup",
            lambda a: a["runs"].update({"using": "node20"}),
            "setup: runs.using must be composite",
        ),
    ],
)
def test_composite_rules_can_fail(action: str, change: Any, expected: str) -> None:
    broken = copy.deepcopy(checks.action(action))
    change(broken)
    assert checks.check_composite(broken, action) == [expected]


def _scripts() -> list[tuple[str, str, Path]]:
    """(where, script, action folder) of every run: step and *.sh file of the actions."""
    found = []
    for path in checks.action_files():
        for step in checks.steps(checks.load(path)):
            if "run" in step:
                found.append((f"{path.parent.name}: {step.get('name')}", step["run"], path.parent))
    for script in sorted(ACTIONS.glob("*/*.sh")):
        found.append((script.name, script.read_text(encoding="utf-8"), script.parent))
    return found


def test_actions_name_their_files_through_github_action_path() -> None:
    # A user's workflow runs these actions from its own workspace: only $GITHUB_ACTION_PATH
    # (and $IMS_CALLBACKS_HOME, derived from it by the setup action) points into this checkout.
    scripts = _scripts()
    problems = [
        p for where, text, folder in scripts for p in checks.check_references(text, where, folder)
    ]
    assert problems == []
    siblings = {
        match
        for _, text, _ in scripts
        for match in re.findall(r"\$GITHUB_ACTION_PATH/\.\./([\w-]+)/", text)
    }
    assert siblings == {"aliyun-oidc", "report"}
    tools = (ACTIONS / "setup" / "tools.sh").read_text(encoding="utf-8")
    assert 'home="$(cd "$GITHUB_ACTION_PATH/../../.." && pwd)"' in tools
    assert 'echo "IMS_CALLBACKS_HOME=$home"' in tools


def test_no_composite_action_uses_a_local_action() -> None:
    # `uses: ./...` inside a composite action resolves against the CALLER's workspace: in a
    # user's repository there is no .github/actions/aliyun-oidc. Siblings are called by path.
    for path in checks.action_files():
        for step in checks.steps(checks.load(path)):
            assert not str(step.get("uses", "")).startswith("./"), (path, step.get("name"))
    for path in checks.action_files():
        assert "uses: ./" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "python3 .github/actions/report/combine.py --mode pr",
            "x: .github/actions/report/combine.py is not relative to $GITHUB_ACTION_PATH",
        ),
        (
            'python3 "$GITHUB_WORKSPACE/.github/actions/report/combine.py"',
            "x: $GITHUB_WORKSPACE/.github/actions/report/combine.py is not relative to "
            "$GITHUB_ACTION_PATH",
        ),
        (
            'python3 "$GITHUB_ACTION_PATH/../reports/combine.py"',
            "x: $GITHUB_ACTION_PATH/../reports/combine.py does not exist",
        ),
        (
            'cat "$GITHUB_ACTION_PATH/../../../../etc/hostname"',
            "x: $GITHUB_ACTION_PATH/../../../../etc/hostname leaves the action's checkout",
        ),
        (
            'python3 "$IMS_CALLBACKS_HOME/.github/actions/setup/install.py"',
            "x: $IMS_CALLBACKS_HOME/.github/actions/setup/install.py does not exist",
        ),
    ],
)
def test_reference_rule_can_fail(script: str, expected: str) -> None:
    problems = checks.check_references(script, "x", ACTIONS / "pr-comment")
    assert expected in problems, problems


# --- pull-request review ------------------------------------------------------------------------


def test_pr_review_runs_on_every_pull_request(pr: checks.Workflow) -> None:
    # No path filter: a required check must report on every pull request.
    assert checks.triggers(pr) == {"pull_request": None}
    assert pr["concurrency"] == {
        "group": "pr-review-${{ github.event.pull_request.number }}",
        "cancel-in-progress": True,
    }


def test_the_stacks_come_from_one_list(pr: checks.Workflow, schedule: checks.Workflow) -> None:
    expected = '${{ fromJSON(vars.IMS_CALLBACKS_STACKS || \'["dev","prod"]\') }}'
    assert checks.jobs(pr)["review"]["strategy"]["matrix"]["stack"] == expected
    assert checks.jobs(schedule)["drift"]["strategy"]["matrix"]["stack"] == expected
    assert checks.jobs(pr)["review"]["environment"] == "${{ matrix.stack }}-preview"
    assert checks.jobs(schedule)["drift"]["environment"] == "${{ matrix.stack }}-preview"
    stacks = '${{ vars.IMS_CALLBACKS_STACKS || \'["dev","prod"]\' }}'
    comment = checks.step_named(checks.jobs(pr)["comment"], "One comment for all stacks")
    issue = checks.step_named(checks.jobs(schedule)["report"], "One issue while anything drifted")
    assert comment["with"] == {"stacks": stacks}
    assert issue["with"] == {"stacks": stacks}


def test_pr_review_job_calls_setup_then_review(pr: checks.Workflow) -> None:
    review = checks.jobs(pr)["review"]
    uses = [s["uses"].split("@")[0] for s in checks.steps(review)]
    assert uses == ["actions/checkout", "./.github/actions/setup", "./.github/actions/review"]
    assert checks.steps(review)[0]["with"] == {"persist-credentials": False}
    step = checks.step_named(review, "Drift and preview (read-only)")
    assert step["with"] == {
        "stack": "${{ matrix.stack }}",
        "role-arn": "${{ vars.ALIYUN_ROLE_ARN }}",
        "oidc-provider-arn": "${{ vars.ALIYUN_OIDC_PROVIDER_ARN }}",
        "sts-endpoint": "${{ vars.ALIYUN_STS_ENDPOINT }}",
    }
    assert checks.jobs(pr)["review"]["strategy"]["fail-fast"] is False


def test_the_review_action_always_uploads_and_judges() -> None:
    review = checks.action("review")
    names = [s.get("name") for s in checks.steps(review)]
    assert names == ["Assume the role (OIDC)", "Drift and preview", "Upload the report", "Result"]
    run = checks.step_named(review, "Drift and preview")["run"]
    assert '"$IMS_CALLBACKS_PYTHON" "$GITHUB_ACTION_PATH/review.py" --stack "$STACK"' in run
    assert 'report="$RUNNER_TEMP/ims-callbacks-report/$STACK"' in run
    upload = checks.step_named(review, "Upload the report")
    assert upload["if"] == "always()"
    assert upload["with"]["name"] == "report-${{ inputs.stack }}"
    # the stack's own folder, never one an earlier step left in the environment
    assert upload["with"]["path"] == "${{ runner.temp }}/ims-callbacks-report/${{ inputs.stack }}"
    assert upload["with"]["overwrite"] is True  # a re-run of the job replaces its report
    result = checks.step_named(review, "Result")
    assert result["if"] == "always()"
    assert result["env"]["FAIL_ON_DRIFT"] == "${{ inputs.fail-on-drift }}"
    assert review["inputs"]["fail-on-drift"]["default"] == "false"  # a PR may change settings


@pytest.mark.parametrize("name", ["pr-comment", "drift-issue"])
def test_the_combining_actions_read_what_the_review_uploads(name: str) -> None:
    composite = checks.action(name)
    download = checks.step_named(composite, "Download the per-stack reports")
    assert download["uses"].startswith("actions/download-artifact@")
    # One folder per artifact (report-<stack>), as combine.py reads them: no merge-multiple.
    assert download["with"] == {
        "pattern": "report-*",
        "path": "${{ runner.temp }}/ims-callbacks-reports",
    }
    assert download["continue-on-error"] is True  # a missing stack shows as an error instead
    (combine,) = [s for s in checks.steps(composite) if "combine.py" in str(s.get("run", ""))]
    run = " ".join(combine["run"].replace("\\\n", " ").split())
    mode = "pr" if name == "pr-comment" else "issue"
    assert f'python3 "$GITHUB_ACTION_PATH/../report/combine.py" --mode {mode}' in run
    assert '--reports "$RUNNER_TEMP/ims-callbacks-reports"' in run
    assert '--stacks "$STACKS"' in run
    assert combine["env"]["STACKS"] == "${{ inputs.stacks }}"


def test_pr_comment_step_uses_the_hidden_marker(pr: checks.Workflow) -> None:
    assert checks.check_comment_step(checks.action("pr-comment")) == []
    comment = checks.jobs(pr)["comment"]
    assert comment["needs"] == "review"
    assert comment["if"].startswith("${{ !cancelled()")  # not after a cancellation
    assert checks.steps(comment)[0]["with"] == {
        "persist-credentials": False,
        "sparse-checkout": ".github",
    }
    fail = checks.steps(checks.action("pr-comment"))[-1]
    assert fail["name"] == "Fail on an error"
    assert "exit 1" in fail["run"]


def test_comment_rule_can_fail() -> None:
    broken = copy.deepcopy(checks.action("pr-comment"))
    for step in checks.steps(broken):
        if "script" in (step.get("with") or {}):
            step["with"]["script"] = step["with"]["script"].replace(MARKER, "<!-- other -->")
    assert checks.check_comment_step(broken) == [
        "the comment step does not look for the hidden marker"
    ]
    broken["runs"]["steps"] = [s for s in checks.steps(broken) if "script" not in s.get("with", {})]
    assert checks.check_comment_step(broken) == ["expected one actions/github-script step, found 0"]


# --- scheduled drift ----------------------------------------------------------------------------


def test_drift_schedule_fails_loudly_and_keeps_an_issue(schedule: checks.Workflow) -> None:
    on = checks.triggers(schedule)
    assert on["schedule"][0]["cron"]
    assert "workflow_dispatch" in on
    assert schedule["concurrency"] == {"group": "drift-schedule", "cancel-in-progress": False}
    drift = checks.step_named(checks.jobs(schedule)["drift"], "Drift check (read-only)")
    assert drift["uses"] == "./.github/actions/review"
    assert drift["with"]["drift"] == "config"  # state-free: no CLI, no backend
    assert drift["with"]["preview"] == "false"
    assert drift["with"]["fail-on-drift"] == "true"
    setup = checks.steps(checks.jobs(schedule)["drift"])[1]
    assert setup["with"] == {"pulumi": "false", "install": "false"}
    report = checks.jobs(schedule)["report"]
    assert report["if"] == "${{ !cancelled() }}"
    assert report["needs"] == "drift"
    issue = checks.action("drift-issue")
    script = next(
        s["with"]["script"] for s in checks.steps(issue) if "github-script" in s.get("uses", "")
    )
    assert "const label = process.env.LABEL" in script
    assert MARKER in script
    for call in ("issues.create(", "issues.update(", "createLabel", "state: 'closed'"):
        assert call in script
    assert issue["inputs"]["label"]["default"] == "drift"
    fail = checks.steps(issue)[-1]
    assert fail["name"] == "Fail loudly on drift or error"
    assert "exit 1" in fail["run"]


# --- the docs -----------------------------------------------------------------------------------


def test_every_variable_and_secret_is_documented() -> None:
    docs = checks.DOCS.read_text(encoding="utf-8")
    names = set()
    for path in checks.workflow_files():
        names |= set(re.findall(r"\b(?:vars|secrets)\.([A-Z_]+)", path.read_text(encoding="utf-8")))
    assert {"ALIYUN_ROLE_ARN", "ALIYUN_STS_ENDPOINT", "PULUMI_CONFIG_PASSPHRASE"} <= names
    assert [name for name in sorted(names) if f"`{name}`" not in docs] == []


def test_every_action_a_user_calls_is_documented() -> None:
    docs = checks.DOCS.read_text(encoding="utf-8")
    for path in checks.action_files():
        assert f"actions/{path.parent.name}" in docs, path.parent.name


def test_every_workflow_is_documented() -> None:
    docs = checks.DOCS.read_text(encoding="utf-8")
    for path in checks.workflow_files():
        assert path.name in docs, path.name


def test_yaml_files_parse() -> None:
    for path in checks.workflow_files() + checks.action_files():
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path
