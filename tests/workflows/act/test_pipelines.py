"""This repository's three workflows, run by act end to end, each test in a world of its own.

Push to main deploys dev then prod; a pull request gets one sticky comment; a fork's pull
request gets nothing; a wrong passphrase fails loudly and writes nothing; the schedule opens one
drift issue and closes it once everything is in sync again. Each stack is its own account (an
emulator that accepts only the STS key the OIDC exchange hands out).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.act import events
from tests.workflows.act.checks import assert_no_secrets
from tests.workflows.act.harness import OIDC_PROVIDER_ARN, ROLE_ARN, ActRun, ActWorld

pytestmark = [pytest.mark.workflows, pytest.mark.engine]

MARKER = "<!-- ims-callbacks-drift -->"
PR = 7
DEV_URL = "https://media-dev.example.com/hooks/ims"
CONSOLE_URL = "https://console-edit.example.com/hook"


def callback(world: ActWorld, stack: str, region: str) -> dict[str, Any]:
    """The live callback setting of ``region`` in ``stack``'s account."""
    state = json.loads(world.emulators[stack].state_file.read_text(encoding="utf-8"))
    return dict(state["regions"].get(region, {}).get("callback", {}))


def set_calls(world: ActWorld, stack: str) -> int:
    """SetEventCallback calls ``stack``'s account received since the last reset."""
    counters = world.emulators[stack].control.counters()
    return counters["operations"].get("SetEventCallback", 0)


def reset_counters(world: ActWorld) -> None:
    """Zero the emulators' counters and forget the recorded GitHub calls."""
    for emulator in world.emulators.values():
        emulator.control.reset_counters()
    world.github.reset_calls()


def job_lines(run: ActRun, job: str) -> list[int]:
    """Indexes of the log lines of ``job`` (as act names it: ``[Workflow/job name]``)."""
    return [i for i, line in enumerate(run.log.splitlines()) if f"/{job}" in line]


def backend_digest(world: ActWorld) -> str:
    """A digest of every stack's state in the file backend."""
    digest = hashlib.sha256()
    for path in sorted(world.backend.rglob("*.json")):
        if "/backups/" not in str(path) and "/history/" not in str(path):
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def deployed(world: ActWorld) -> ActWorld:
    """The world after a push to main deployed both stacks; counters and calls zeroed."""
    run = world.run("push", "deploy.yml", events.push())
    assert run.exit_code == 0, run.log[-3000:]
    reset_counters(world)
    return world


def test_push_deploys_dev_then_prod_and_a_rerun_changes_nothing(world: ActWorld) -> None:
    run = world.run("push", "deploy.yml", events.push())

    assert run.exit_code == 0, run.log[-3000:]
    dev, prod = job_lines(run, "pulumi up (dev)"), job_lines(run, "pulumi up (prod)")
    lines = run.log.splitlines()
    assert any("+ 10 created" in lines[i] for i in dev)
    assert any("+ 16 created" in lines[i] for i in prod)
    assert callback(world, "dev", "cn-beijing")["CallbackURL"] == DEV_URL
    assert callback(world, "prod", "cn-beijing")["CallbackQueueName"] == "ice-callback-prod-beijing"
    assert callback(world, "prod", "us-west-1")["EventTypeList"] == (
        "FileUploadComplete,MediaConvertComplete"
    )
    exchanges = world.sts.calls
    assert exchanges, "the deploy must assume the role through the STS endpoint setting"
    for call in exchanges:
        assert call.params["RoleArn"] == ROLE_ARN
        assert call.params["OIDCProviderArn"] == OIDC_PROVIDER_ARN
        assert world.github.minted(call.params["OIDCToken"]) is not None
    assert_no_secrets(world, run)

    reset_counters(world)
    run = world.run("push", "deploy.yml", events.push())

    assert run.exit_code == 0, run.log[-3000:]
    assert "10 unchanged" in run.log
    assert "16 unchanged" in run.log
    assert set_calls(world, "dev") == 0
    assert set_calls(world, "prod") == 0
    assert_no_secrets(world, run)


def test_pull_request_gets_one_sticky_comment_created_then_updated(deployed: ActWorld) -> None:
    world = deployed
    world.github.add_pull_request(PR)
    world.emulators["dev"].control.console_edit("cn-beijing", {"CallbackURL": CONSOLE_URL})
    reset_counters(world)

    first = world.run("pull_request", "pr-review.yml", events.pull_request(PR))

    assert first.exit_code == 0, first.log[-3000:]  # drift alone does not fail a PR
    comments = world.github.comments_on(PR)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert body.startswith(MARKER)
    table = body.split("\n---\n")[0]
    assert "| `dev` | ⚠️ 1 of 2 regions drifted in dev | `~ 1 to update, 9 unchanged` |" in table
    assert "| `prod` | ✅ prod in sync | `16 unchanged` |" in table
    assert "| `cn-beijing` | ⚠️ drifted | http | `url` |" in body
    assert f"`{CONSOLE_URL}`" in body
    assert [(c.method, c.path.rsplit("/", 2)[-2:][-1]) for c in world.github.api_calls()] == [
        ("GET", "comments"),
        ("POST", "comments"),
    ]
    assert set_calls(world, "dev") == 0, "a review never writes"
    assert callback(world, "dev", "cn-beijing")["CallbackURL"] == CONSOLE_URL
    assert_no_secrets(world, first)

    world.github.reset_calls()
    again = world.run("pull_request", "pr-review.yml", events.pull_request(PR))

    assert again.exit_code == 0, again.log[-3000:]
    after = world.github.comments_on(PR)
    assert len(after) == 1
    assert after[0]["id"] == comments[0]["id"]
    assert [c.method for c in world.github.api_calls()] == ["GET", "PATCH"]
    assert_no_secrets(world, again)


def test_fork_pull_request_is_skipped_and_gets_no_secret(world: ActWorld) -> None:
    before = len(world.sts.calls)
    fork = events.pull_request(PR + 1, head="stranger/ims-callbacks")

    run = world.run("pull_request", "pr-review.yml", fork)

    assert run.exit_code == 0, run.log[-3000:]
    assert "Run Main" not in run.log, "no step of either job may run for a fork"
    assert world.github.calls == []  # no OIDC token, no comment
    assert len(world.sts.calls) == before
    assert world.emulators["dev"].control.counters()["total"] == 0
    assert_no_secrets(world, run)


def test_wrong_passphrase_fails_with_an_error_row_and_writes_nothing(deployed: ActWorld) -> None:
    world = deployed
    world.github.add_pull_request(PR)
    state = backend_digest(world)
    wrong = "not-the-passphrase-0123"

    run = world.run(
        "pull_request",
        "pr-review.yml",
        events.pull_request(PR),
        secrets={"PULUMI_CONFIG_PASSPHRASE": wrong},
    )

    assert run.exit_code != 0
    assert "pulumi preview failed" in run.log
    comments = world.github.comments_on(PR)
    assert len(comments) == 1
    table = comments[0]["body"].split("\n---\n")[0]
    assert "| `dev` | ❌" in table
    assert "| `prod` | ❌" in table
    assert backend_digest(world) == state
    assert set_calls(world, "dev") == 0
    assert set_calls(world, "prod") == 0
    assert_no_secrets(world, run, extra=[wrong])


def test_schedule_opens_one_drift_issue_and_closes_it_when_in_sync(deployed: ActWorld) -> None:
    world = deployed
    world.emulators["dev"].control.console_edit("cn-beijing", {"CallbackURL": CONSOLE_URL})
    drifted = world.run("schedule", "drift-schedule.yml", events.schedule())

    assert drifted.exit_code != 0
    issues = world.github.issues(label="drift")
    assert len(issues) == 1
    assert issues[0]["state"] == "open"
    assert issues[0]["body"].startswith(MARKER)
    assert "`cn-beijing`" in issues[0]["body"]
    assert "drifted" in issues[0]["body"]
    assert world.github.labels() == ["drift"]
    assert_no_secrets(world, drifted)

    number = issues[0]["number"]
    world.github.reset_calls()
    again = world.run("schedule", "drift-schedule.yml", events.schedule())
    assert again.exit_code != 0
    assert len(world.github.issues(label="drift")) == 1, "still one issue while drift lasts"
    writes = [(c.method, c.path) for c in world.github.api_calls() if c.method != "GET"]
    issue_path = f"/repos/{world.repository}/issues/{number}"
    assert (("PATCH", issue_path)) in writes, "the open issue gets the current report"
    assert ("POST", f"{issue_path}/comments") not in writes, "same findings: no new comment"

    repaired = world.run("push", "deploy.yml", events.push())
    assert repaired.exit_code == 0, repaired.log[-3000:]
    assert callback(world, "dev", "cn-beijing")["CallbackURL"] == DEV_URL

    in_sync = world.run("schedule", "drift-schedule.yml", events.schedule())

    assert in_sync.exit_code == 0, in_sync.log[-3000:]
    (issue,) = world.github.issues(label="drift")
    assert issue["state"] == "closed"
    assert "in sync again" in world.github.comments_on(issue["number"])[-1]["body"]
    assert_no_secrets(world, in_sync)


@pytest.fixture(autouse=True)
def _keep_logs(world: ActWorld, request: pytest.FixtureRequest) -> None:
    """Name the world's folder in a failing test's report (act logs, artifacts, state)."""
    request.node.user_properties.append(("act-world", str(Path(world.root))))
