"""Structural checks of the GitHub workflows and composite actions, as functions that return a
list of problems.

The tests run them on the real files (no problems expected) and on deliberately broken copies
(problems expected), so every rule is shown to be able to fail. The workflows are thin callers
of the composite actions in .github/actions/ (a user's repository calls the same actions as
``<owner>/ims-callbacks/.github/actions/<name>@vX.Y.Z``), so most rules look at both.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
ACTIONS = REPO / ".github" / "actions"
DOCS = REPO / "docs" / "pipelines.md"
MARKER = "<!-- ims-callbacks-drift -->"
LOCAL_ACTIONS = "./.github/actions/"
OIDC_ACTION = "./.github/actions/aliyun-oidc"
DEPLOY_ACTION = "./.github/actions/deploy"
WRITE_SCOPES_ALLOWED = {"id-token", "pull-requests", "issues"}
"""The only scopes any job may write; `contents` stays read."""
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
SECRET_EXPR = re.compile(r"\$\{\{\s*secrets\.")
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"
XTRACE = re.compile(r"\bset\s+-[a-wyz]*x|\bset\s+-o\s+xtrace|\bbash\s+-x")
ANCHORS = ("GITHUB_ACTION_PATH", "IMS_CALLBACKS_HOME")
"""How an action's script may name a file of this repository: relative to its own folder
(``$GITHUB_ACTION_PATH``, siblings as ``$GITHUB_ACTION_PATH/../<name>``) or to the checkout the
setup action derives from it (``$IMS_CALLBACKS_HOME``, .github/actions/setup/tools.sh)."""

Workflow = dict[str, Any]


def load(path: Path) -> Workflow:
    """A workflow or action file as data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def workflow_files() -> list[Path]:
    """Every workflow file."""
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def action_files() -> list[Path]:
    """Every local composite action."""
    return sorted(ACTIONS.glob("*/action.yml"))


def action(name: str) -> Workflow:
    """The composite action ``.github/actions/<name>``."""
    return load(ACTIONS / name / "action.yml")


def triggers(workflow: Workflow) -> dict[str, Any]:
    """The ``on:`` mapping (PyYAML reads the bare key ``on`` as the boolean True)."""
    keys: dict[Any, Any] = workflow
    on = keys.get("on", keys.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on or {})


def jobs(workflow: Workflow) -> dict[str, dict[str, Any]]:
    """The jobs by id."""
    return dict(workflow.get("jobs") or {})


def steps(job_or_action: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a job, or of a composite action (``runs.steps``)."""
    if "runs" in job_or_action:
        return list(job_or_action["runs"].get("steps") or [])
    return list(job_or_action.get("steps") or [])


def step_named(job_or_action: dict[str, Any], name: str) -> dict[str, Any]:
    """The step called ``name``."""
    for step in steps(job_or_action):
        if step.get("name") == name:
            return step
    raise AssertionError(f"no step {name!r}")


def local_action_file(uses: object) -> Path | None:
    """``.github/actions/<name>/action.yml`` for ``uses: ./.github/actions/<name>``, else None."""
    if not isinstance(uses, str) or not uses.startswith(LOCAL_ACTIONS):
        return None
    return REPO / uses.removeprefix("./") / "action.yml"


def assumes_role(composite: Workflow) -> bool:
    """Whether the action requests the OIDC token (the aliyun-oidc action or its ``token``)."""
    return any(
        step.get("uses") == OIDC_ACTION
        or re.search(r"aliyun_oidc\.py\"?\s+token\b", str(step.get("run", "")))
        for step in steps(composite)
    )


def uses_oidc(job: dict[str, Any]) -> bool:
    """Whether the job assumes an Alibaba Cloud role: the OIDC action, or a local action that
    requests the token, given a ``role-arn``."""
    for step in steps(job):
        if step.get("uses") == OIDC_ACTION:
            return True
        path = local_action_file(step.get("uses"))
        given = step.get("with") or {}
        if path and path.is_file() and assumes_role(load(path)) and given.get("role-arn"):
            return True
    return False


def check_permissions(workflow: Workflow) -> list[str]:
    """Top level grants nothing; every job states its permissions; writes are minimal."""
    problems = []
    if workflow.get("permissions") != {}:
        problems.append("top-level permissions must be {} (jobs state their own)")
    for name, job in jobs(workflow).items():
        perms = job.get("permissions")
        if not isinstance(perms, dict):
            problems.append(f"job {name}: no explicit permissions mapping")
            continue
        for scope, level in perms.items():
            if level == "write" and scope not in WRITE_SCOPES_ALLOWED:
                problems.append(f"job {name}: {scope}: write is not needed")
        if perms.get("id-token") == "write" and not uses_oidc(job):
            problems.append(f"job {name}: id-token: write without the OIDC action")
        if uses_oidc(job) and perms.get("id-token") != "write":
            problems.append(f"job {name}: uses the OIDC action without id-token: write")
        if uses_oidc(job) and set(perms) - {"contents", "id-token"}:
            problems.append(f"job {name}: a job holding cloud credentials gets no other grant")
    return problems


def _uses_secrets(job: dict[str, Any]) -> bool:
    return bool(SECRET_EXPR.search(yaml.safe_dump(job)))


def check_fork_guard(workflow: Workflow) -> list[str]:
    """In a pull_request workflow, every job that gets secrets, a token or a write grant runs
    only for pull requests from this repository (a fork's PR has none of them)."""
    if "pull_request" not in triggers(workflow):
        return []
    problems = []
    for name, job in jobs(workflow).items():
        perms = job.get("permissions")
        privileged = (
            _uses_secrets(job)
            or not isinstance(perms, dict)
            or any(level == "write" for level in perms.values())
        )
        if privileged and FORK_GUARD not in " ".join(str(job.get("if", "")).split()):
            problems.append(f"job {name}: no fork guard ({FORK_GUARD}) in its if:")
    return problems


def commands(run: str, program: str) -> list[str]:
    """The logical shell lines (backslash continuations joined) that run ``program``."""
    joined = re.sub(r"\\\n\s*", " ", run)
    return [
        " ".join(line.split())
        for line in joined.splitlines()
        if re.search(rf"(^|\s){re.escape(program)}\s", line)
        and not re.match(r"\s*(echo|printf|#)", line)
    ]


def runs_pulumi_up(run: object) -> bool:
    """Whether a script runs ``pulumi up`` (as a command or in a bash array), not only says it."""
    return any(
        re.search(r"(^|[\s(])pulumi up\b", line) and not re.match(r"\s*(echo|printf|#)", line)
        for line in str(run or "").splitlines()
    )


def _environment_name(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def check_deploy(workflow: Workflow) -> list[str]:
    """Every deploy job: one deploy-action step with OIDC, its stack's environment and a
    non-cancelling per-stack concurrency group; nobody runs `pulumi up` outside the action."""
    problems = []
    deploy_jobs = {}
    for name, job in jobs(workflow).items():
        inline = [s for s in steps(job) if runs_pulumi_up(s.get("run"))]
        if inline:
            problems.append(f"job {name}: runs pulumi up itself (use {DEPLOY_ACTION})")
        found = [s for s in steps(job) if s.get("uses") == DEPLOY_ACTION]
        if found:
            deploy_jobs[name] = (job, found)
    if not deploy_jobs:
        problems.append(f"no job uses {DEPLOY_ACTION}")
    for name, (job, found) in deploy_jobs.items():
        if len(found) != 1:
            problems.append(f"job {name}: expected one deploy step, found {len(found)}")
            continue
        given = found[0].get("with") or {}
        stack = given.get("stack")
        if not stack:
            problems.append(f"job {name}: the deploy step has no stack")
            continue
        group = job.get("concurrency")
        if not isinstance(group, dict) or group.get("group") != f"pulumi-{stack}":
            problems.append(f"job {name}: concurrency group must be pulumi-{stack}")
        elif group.get("cancel-in-progress") is not False:
            problems.append(f"job {name}: cancel-in-progress must be false")
        if _environment_name(job) != stack:
            problems.append(f"job {name}: environment must be {stack}")
        if not given.get("role-arn") or not given.get("oidc-provider-arn"):
            problems.append(f"job {name}: the deploy must assume its role by OIDC")
    return problems


def deploy_stacks(workflow: Workflow) -> dict[str, str]:
    """Stack -> job id of every deploy-action step."""
    return {
        str((step.get("with") or {}).get("stack")): name
        for name, job in jobs(workflow).items()
        for step in steps(job)
        if step.get("uses") == DEPLOY_ACTION
    }


def check_prod_after_dev(workflow: Workflow) -> list[str]:
    """The prod deployment needs the dev deployment."""
    by_stack = deploy_stacks(workflow)
    if "dev" not in by_stack or "prod" not in by_stack:
        return ["deploy jobs for dev and prod are both required"]
    needs = jobs(workflow)[by_stack["prod"]].get("needs") or []
    needs = [needs] if isinstance(needs, str) else needs
    if by_stack["dev"] not in needs:
        return ["the prod deployment must need the dev deployment"]
    return []


def check_deploy_action(composite: Workflow) -> list[str]:
    """The deploy action: one `pulumi up --yes --refresh` of the stack, through the OIDC/STS
    wrapper whenever the role was assumed; the role only when role-arn is given."""
    problems = []
    ups = [s for s in steps(composite) if runs_pulumi_up(s.get("run"))]
    if len(ups) != 1:
        return [f"expected one step running pulumi up, found {len(ups)}"]
    run = re.sub(r"\\\n\s*", " ", str(ups[0]["run"]))
    array = re.search(r"(\w+)=\((pulumi up\b[^)]*)\)", run)
    if array:
        command, invoke = " ".join(array.group(2).split()), f'"${{{array.group(1)}[@]}}"'
    else:
        found = commands(run, "pulumi up")
        if len(found) != 1:
            return [f"expected one pulumi up command, found {len(found)}"]
        command, invoke = found[0], "pulumi up"
    for flag in ("--yes", "--refresh", '--stack "$stack_ref"', "--non-interactive"):
        if not re.search(rf"(^|\s){re.escape(flag)}(\s|$)", command):
            problems.append(f"pulumi up lacks {flag}")
    if "--show-secrets" in command:
        problems.append("pulumi up shows secrets")
    wrapper = [
        line
        for line in run.splitlines()
        if re.search(r"aliyun_oidc\.py\"?\s+run\b", line) and invoke in line
    ]
    if not wrapper:
        problems.append("pulumi up must run through the OIDC/STS wrapper (aliyun_oidc.py run)")
    if "ALIBABA_CLOUD_OIDC_TOKEN_FILE" not in run:
        problems.append("the wrapper must be chosen whenever the role was assumed")
    assume = [s for s in steps(composite) if assumes_role({"runs": {"steps": [s]}})]
    if len(assume) != 1 or " ".join(str(assume[0].get("if", "")).split()) != (
        "inputs.role-arn != ''"
    ):
        problems.append("the role is assumed exactly once, if: inputs.role-arn != ''")
    return problems


def iter_steps() -> Iterator[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(where, step, job env, workflow env) over all workflows and composite actions."""
    for path in workflow_files():
        workflow = load(path)
        for name, job in jobs(workflow).items():
            for step in steps(job):
                yield f"{path.name}:{name}", step, job.get("env") or {}, workflow.get("env") or {}
    for path in action_files():
        for step in steps(load(path)):
            yield f"{path.parent.name}/action.yml", step, {}, {}


def check_step_secrets(
    where: str, step: dict[str, Any], job_env: dict[str, Any], wf_env: dict[str, Any]
) -> list[str]:
    """No --show-secrets, no secret echoed, secrets only through a step's env."""
    problems = []
    run = str(step.get("run", ""))
    label = f"{where}: step {step.get('name') or step.get('uses') or '?'}"
    everything = yaml.safe_dump(step)
    if "--show-secrets" in everything:
        problems.append(f"{label}: uses --show-secrets")
    if SECRET_EXPR.search(run):
        problems.append(f"{label}: interpolates a secret into the script (use env:)")
    if "uses" in step and SECRET_EXPR.search(yaml.safe_dump(step.get("with") or {})):
        problems.append(f"{label}: hands a secret to an action")
    for scope in (job_env, wf_env):
        for key, value in scope.items():
            if SECRET_EXPR.search(str(value)):
                problems.append(f"{label}: secret {key} in job/workflow env reaches every step")
    secret_vars = [k for k, v in (step.get("env") or {}).items() if SECRET_EXPR.search(str(v))]
    if secret_vars and XTRACE.search(run):
        problems.append(f"{label}: xtrace would print the secrets")
    for line in run.splitlines():
        if not re.search(r"\b(echo|printf|cat\s+<<)\b", line):
            continue
        for var in secret_vars:
            if re.search(rf"\$\{{?{re.escape(var)}\b", line):
                problems.append(f"{label}: echoes ${var}")
    return problems


def check_pins(text: str, where: str) -> list[str]:
    """Third-party actions pinned to a full commit SHA, with the version in a comment."""
    problems = []
    for line in text.splitlines():
        match = re.match(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line)
        if not match or match.group(1).startswith("./"):
            continue
        ref, rest = match.group(1), match.group(2)
        if not PINNED.match(ref):
            problems.append(f"{where}: {ref} is not pinned to a commit SHA")
        elif not re.search(r"#\s*v\d", rest):
            problems.append(f"{where}: {ref} has no version comment")
    return problems


def pins(texts: dict[str, str]) -> dict[str, set[tuple[str, str]]]:
    """Action -> the (commit, version) pairs it is pinned to, over ``texts`` (name -> text)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for text in texts.values():
        for match in re.finditer(
            r"^\s*(?:-\s*)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s*#\s*(v[\w.]+)", text, re.M
        ):
            found.setdefault(match.group(1), set()).add((match.group(2), match.group(3)))
    return found


def check_pin_consistency(texts: dict[str, str], docs: str) -> list[str]:
    """One commit per action across every file, and the docs' table names that commit."""
    problems = []
    for name, pairs in sorted(pins(texts).items()):
        if len(pairs) != 1:
            problems.append(f"{name} is pinned to different commits: {sorted(pairs)}")
            continue
        ((sha, version),) = pairs
        row = rf"\|\s*`{re.escape(name)}`\s*\|\s*{re.escape(version)}\s*\|\s*`{sha}`\s*\|"
        if not re.search(row, docs):
            problems.append(f"{name}@{sha} ({version}) is not in the docs' pinned-actions table")
    return problems


def check_local_uses(where: str, step: dict[str, Any]) -> list[str]:
    """A step using a local action: the action exists, every ``with:`` key is one of its inputs
    and every required input (without a default) is given."""
    uses = step.get("uses")
    path = local_action_file(uses)
    if path is None:
        return []
    if not path.is_file():
        return [f"{where}: {uses} has no action.yml"]
    inputs = load(path).get("inputs") or {}
    given = step.get("with") or {}
    problems = [f"{where}: {uses} has no input {key!r}" for key in given if key not in inputs]
    for key, spec in inputs.items():
        if (spec or {}).get("required") and "default" not in (spec or {}) and key not in given:
            problems.append(f"{where}: {uses} needs the input {key!r}")
    return problems


def check_composite(composite: Workflow, where: str) -> list[str]:
    """The rules for a composite action a user's workflow calls.

    - ``runs.using: composite``; every ``run:`` step names its ``shell:`` (bash);
    - no ``uses: ./...`` (it would resolve against the CALLER's workspace, not this action's
      checkout): a sibling is called by path, ``$GITHUB_ACTION_PATH/../<name>/<script>``;
    - every ``${{ inputs.X }}`` is a declared input, and every declared input is used;
    - no ``${{ }}`` in a ``run:`` script (values go through ``env:``; actionlint checks the
      workflows' scripts for injection, not the actions');
    - no xtrace: the caller's secrets are in every step's environment.
    """
    problems = []
    runs = composite.get("runs") or {}
    if runs.get("using") != "composite":
        problems.append(f"{where}: runs.using must be composite")
    declared = set((composite.get("inputs") or {}).keys())
    text = yaml.safe_dump(runs)
    used = set(re.findall(r"\binputs\.([\w-]+)", text))
    problems += [f"{where}: uses undeclared input {name!r}" for name in sorted(used - declared)]
    problems += [f"{where}: input {name!r} is never used" for name in sorted(declared - used)]
    for step in steps(composite):
        label = f"{where}: step {step.get('name') or step.get('uses') or '?'}"
        uses = str(step.get("uses", ""))
        if uses.startswith("./"):
            problems.append(
                f"{label}: uses {uses} (resolves in the caller's workspace; "
                "call $GITHUB_ACTION_PATH/../<name>/<script> instead)"
            )
        if "run" not in step:
            continue
        if step.get("shell") != "bash":
            problems.append(f"{label}: a run step needs shell: bash")
        if "${{" in str(step["run"]):
            problems.append(f"{label}: ${{{{ }}}} in the script (pass it through env:)")
        if XTRACE.search(str(step["run"])):
            problems.append(f"{label}: xtrace would print the caller's secrets")
    return problems


def check_references(script: str, where: str, action_dir: Path) -> list[str]:
    """Files of this repository named only through ``$GITHUB_ACTION_PATH`` (siblings as
    ``$GITHUB_ACTION_PATH/../<name>``) or ``$IMS_CALLBACKS_HOME``, and every such file exists.

    A path relative to the working directory or to ``$GITHUB_WORKSPACE`` is in the CALLER's
    repository (where the project is, but not these files).
    """
    problems = []
    anchored = "|".join(ANCHORS)
    for match in re.finditer(r"(\S*?)(\.github/actions/[\w./-]*)", script):
        prefix = match.group(1).strip("\"'")
        if not re.fullmatch(rf"\$\{{?({anchored})\}}?/", prefix):
            problems.append(
                f"{where}: {match.group(0).strip(chr(34))} is not relative to $GITHUB_ACTION_PATH"
            )
    for match in re.finditer(rf"\$\{{?({anchored})\}}?/([\w./-]+)", script):
        base = action_dir if match.group(1) == "GITHUB_ACTION_PATH" else REPO
        target = (base / match.group(2)).resolve()
        if not target.is_relative_to(REPO):
            problems.append(f"{where}: {match.group(0)} leaves the action's checkout")
        elif not target.exists():
            problems.append(f"{where}: {match.group(0)} does not exist")
    return problems


def check_comment_step(composite: Workflow) -> list[str]:
    """The sticky comment: one github-script step finds the marker, then updates or creates."""
    scripts = [
        str((step.get("with") or {}).get("script", ""))
        for step in steps(composite)
        if str(step.get("uses", "")).startswith("actions/github-script@")
    ]
    if len(scripts) != 1:
        return [f"expected one actions/github-script step, found {len(scripts)}"]
    script = scripts[0]
    problems = []
    if MARKER not in script:
        problems.append("the comment step does not look for the hidden marker")
    for call in ("listComments", "updateComment", "createComment", "startsWith(marker)"):
        if call not in script:
            problems.append(f"the comment step does not call {call}")
    return problems


# --- running an action's steps as the runner does ------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
GITHUB_CONTEXT = {
    "github.sha": "0123456789abcdef0123456789abcdef01234567",
    "github.event.pull_request.head.sha": "fedcba9876543210fedcba9876543210fedcba98",
    "github.server_url": "https://github.example",
    "github.repository": "acme/media",
    "github.run_id": "7",
    "github.token": "ghs_not-a-token",
}


def evaluate(text: str, context: dict[str, str]) -> str:
    """``${{ a.b || 'literal' }}`` expressions of ``text`` (names and ``||`` only)."""

    def one(match: re.Match[str]) -> str:
        value = ""
        for raw in match.group(1).split("||"):
            operand = raw.strip()
            if len(operand) > 1 and operand[0] == operand[-1] == "'":
                value = operand[1:-1]
            else:
                assert operand in context, f"the test gives no value for {operand}"
                value = context[operand]
            if value:
                break
        return value

    return EXPRESSION.sub(one, text)


def runner_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` plus what earlier steps appended to ``$GITHUB_ENV`` (``NAME=value`` lines)."""
    result = dict(env)
    path = Path(env.get("GITHUB_ENV", "/nonexistent"))
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition("=")
            assert sep, f"unexpected GITHUB_ENV line {line!r}"
            assert "<<" not in name, f"unexpected GITHUB_ENV line {line!r}"
            result[name] = value
    return result


def action_context(name: str, inputs: dict[str, str], env: dict[str, str]) -> dict[str, str]:
    """The expression context of action ``name`` called with ``inputs`` in a job with ``env``:
    every ``with:`` key must be declared and every required input given, as on a runner."""
    declared = action(name).get("inputs") or {}
    assert set(inputs) <= set(declared), f"{name} has no input {set(inputs) - set(declared)}"
    context = GITHUB_CONTEXT | {"runner.temp": env.get("RUNNER_TEMP", "")}
    context |= {f"env.{key}": value for key, value in env.items()}
    for key, spec in declared.items():
        if key in inputs:
            context[f"inputs.{key}"] = inputs[key]
        else:
            assert not spec.get("required") or "default" in spec, f"{name} needs {key}"
            context[f"inputs.{key}"] = evaluate(str(spec.get("default", "")), context)
    return context


def step_command(
    name: str, step_name: str, env: dict[str, str], inputs: dict[str, str], cwd: Path
) -> tuple[str, dict[str, str], Path]:
    """(script, environment, working directory) of a composite action's ``run:`` step, in a
    job whose workspace is ``cwd`` (unless ``env`` names another ``GITHUB_WORKSPACE``)."""
    step = step_named(action(name), step_name)
    assert step.get("shell") == "bash", step
    assert "run" in step, step
    job_env = {"GITHUB_WORKSPACE": str(cwd)} | runner_env(env)
    context = action_context(name, inputs, job_env)
    step_env = {
        key: evaluate(str(value), context) for key, value in (step.get("env") or {}).items()
    }
    full = job_env | step_env | {"GITHUB_ACTION_PATH": str(ACTIONS / name)}
    folder = step.get("working-directory")
    where = cwd / evaluate(str(folder), context) if folder else cwd
    return str(step["run"]), full, where


def load_script(name: str, path: Path) -> ModuleType:
    """An action's script imported as module ``name`` (registered: dataclasses look it up)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
