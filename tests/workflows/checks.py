"""Structural checks of the GitHub workflows, as functions that return a list of problems.

The tests run them on the real files (no problems expected) and on deliberately broken copies
(problems expected), so every rule is shown to be able to fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
ACTIONS = REPO / ".github" / "actions"
MARKER = "<!-- ims-callbacks-drift -->"
OIDC_ACTION = "./.github/actions/aliyun-oidc"
WRITE_SCOPES_ALLOWED = {"id-token", "pull-requests", "issues"}
"""The only scopes any job may write; `contents` stays read."""
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
SECRET_EXPR = re.compile(r"\$\{\{\s*secrets\.")

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


def triggers(workflow: Workflow) -> dict[str, Any]:
    """The ``on:`` mapping (PyYAML reads the bare key ``on`` as the boolean True)."""
    on = workflow.get("on", workflow.get(True))
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


def uses_oidc(job: dict[str, Any]) -> bool:
    """Whether the job assumes an Alibaba Cloud role through the OIDC action."""
    return any(step.get("uses") == OIDC_ACTION for step in steps(job))


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


def _run_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps(job))


def commands(run: str, program: str) -> list[str]:
    """The logical shell lines (backslash continuations joined) that run ``program``."""
    joined = re.sub(r"\\\n\s*", " ", run)
    return [
        " ".join(line.split())
        for line in joined.splitlines()
        if re.search(rf"(^|\s){re.escape(program)}\s", line)
        and not re.match(r"\s*(echo|printf|#)", line)
    ]


def _environment_name(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def check_deploy(workflow: Workflow) -> list[str]:
    """Every `pulumi up` job: its stack's environment and a non-cancelling per-stack group."""
    problems = []
    up_jobs = {n: j for n, j in jobs(workflow).items() if "pulumi up" in _run_text(j)}
    if not up_jobs:
        problems.append("no job runs pulumi up")
    for name, job in up_jobs.items():
        stack = (job.get("env") or {}).get("STACK")
        ups = commands(_run_text(job), "pulumi up")
        if not stack:
            problems.append(f"job {name}: no env STACK")
            continue
        group = job.get("concurrency")
        if not isinstance(group, dict) or group.get("group") != f"pulumi-{stack}":
            problems.append(f"job {name}: concurrency group must be pulumi-{stack}")
        elif group.get("cancel-in-progress") is not False:
            problems.append(f"job {name}: cancel-in-progress must be false")
        if _environment_name(job) != stack:
            problems.append(f"job {name}: environment must be {stack}")
        if len(ups) != 1:
            problems.append(f"job {name}: expected one pulumi up command, found {len(ups)}")
            continue
        for flag in ("--yes", "--refresh", '--stack "$stack_ref"'):
            if flag not in ups[0].split(" pulumi up ", 1)[-1]:
                problems.append(f"job {name}: pulumi up lacks {flag}")
        if "aliyun_oidc.py run" not in ups[0]:
            problems.append(f"job {name}: pulumi up must run through the OIDC/STS wrapper")
    return problems


def check_prod_after_dev(workflow: Workflow) -> list[str]:
    """The prod deployment needs the dev deployment."""
    by_stack = {(j.get("env") or {}).get("STACK"): n for n, j in jobs(workflow).items()}
    if "dev" not in by_stack or "prod" not in by_stack:
        return ["deploy jobs for dev and prod are both required"]
    needs = jobs(workflow)[by_stack["prod"]].get("needs") or []
    needs = [needs] if isinstance(needs, str) else needs
    if by_stack["dev"] not in needs:
        return ["the prod deployment must need the dev deployment"]
    return []


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
    """No --show-secrets, no secret echoed, secrets only through a run step's env."""
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
    if secret_vars and re.search(r"\bset\s+-[a-wyz]*x|\bset\s+-o\s+xtrace|\bbash\s+-x", run):
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


def check_comment_step(workflow: Workflow) -> list[str]:
    """The sticky comment: one github-script step finds the marker, then updates or creates."""
    scripts = [
        str((step.get("with") or {}).get("script", ""))
        for job in jobs(workflow).values()
        for step in steps(job)
        if str(step.get("uses", "")).startswith("actions/github-script@")
    ]
    if not scripts:
        return ["no actions/github-script step posts the comment"]
    script = scripts[0]
    problems = []
    if MARKER not in script:
        problems.append("the comment step does not look for the hidden marker")
    for call in ("listComments", "updateComment", "createComment", "startsWith(marker)"):
        if call not in script:
            problems.append(f"the comment step does not call {call}")
    return problems
