"""docs/preview-policy.json grants exactly the reads of the read-only (preview) role, no write.

The role runs two things (docs/pipelines.md, "Preview role"): the drift check
(``python -m components.drift``) and ``pulumi preview --refresh``. The actions they need are
collected from the code, as test_deployer_policy.py does for the deploy role:

1. The drift check: an AST scan of ``components/drift/`` and every ``components`` module it
   imports, transitively (without the clients themselves, which are exercised instead), for
   the IceClient/MnsClient methods it calls.
2. The ``ims`` provider in a preview: a call graph of the product code from the entry points a
   ``pulumi preview --refresh`` runs (the program's ``main``, every ``ImsProvider`` RPC and
   every resource handler's ``check``, ``diff``, ``read``, ``create`` and ``update``; ``delete``
   is never called in a preview), leaving out the branches a preview skips
   (``if not request.preview:`` and ``if ... and not request.preview:``), for the client
   methods reachable.
3. Each of those methods is run against the emulator (:func:`tests.policy.actions.observe`)
   and the operations the emulator counted become RAM actions. Two end-to-end runs check the
   scans: the drift CLI and the provider's preview RPCs, against the emulator, call exactly
   those actions.
4. RAM: the ``pulumi_alicloud`` resources and data sources the product code uses, mapped to
   what the alicloud provider calls to refresh them (reads, imports, the role lookup):
   :data:`tests.policy.actions.ALICLOUD_REFRESH_ACTIONS`. Its check, diff and preview of a
   create or update call nothing.

Then the policy must cover exactly those actions (none missing, none extra), contain no
action with a write verb, grant each action on no more than the deploy policy does (which is as
narrow as the stack's names allow), and docs/pipelines.md must link the file, not inline it.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar, cast

import pytest
import yaml
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from components.aliyun.endpoints import Transport
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.core.ownership import owner_value, with_owner
from components.core.schema_fields import CALLBACK_QUEUE, EVENT_CALLBACK
from components.drift.cli import main as drift_main
from components.provider.properties import wrap_map
from components.provider.provider import HANDLERS, ImsProvider, ResourceHandler
from components.pulumi_layer.resources import queue_properties
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.policy.actions import (
    ALICLOUD_CHANGE_ACTIONS,
    ALICLOUD_REFRESH_ACTIONS,
    ALICLOUD_RESOURCE_ACTIONS,
    DOCS,
    FAST,
    QUEUE,
    REGION,
    REPO,
    WRITE_VERBS,
    Observed,
    actions_of,
    alicloud_actions,
    alicloud_resources_used,
    as_list,
    client_methods_called,
    client_queue,
    coverage_problems,
    emulator_credential,
    granted,
    is_product,
    load_policy,
    mns_setting,
    operation_actions,
    preview_methods_called,
    reached_files,
    resource_problems,
    unknown_verbs,
    verb,
    without_action,
    write_actions,
)

T = TypeVar("T")
POLICY_FILE = DOCS / "preview-policy.json"
DEPLOY_POLICY_FILE = DOCS / "deployer-policy.json"
PIPELINES = DOCS / "pipelines.md"

NOT_IN_PREVIEW = frozenset({"delete"})
"""RPCs the engine never calls in a preview (a replacement or removal is only planned)."""
OTHER_REGION = "cn-beijing"
EVENTS = ["FileUploadComplete"]

# --- what the read-only role runs ------------------------------------------------------------


def drift_files() -> list[Path]:
    """``components/drift/`` and the product modules it imports, transitively."""
    start = sorted((REPO / "components" / "drift").rglob("*.py"))
    return [path for path in reached_files(start) if is_product(path)]


def provider_rpcs() -> set[str]:
    """The RPCs every resource module handles (the ``ResourceHandler`` protocol)."""
    return {
        name
        for name, member in vars(ResourceHandler).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def preview_entries() -> list[str]:
    """Where a ``pulumi preview --refresh`` enters the product code: the program, the
    provider's RPCs and each resource module's handlers (never ``delete``)."""
    provider = f"{ImsProvider.__module__}.{ImsProvider.__qualname__}"
    return [
        "__main__.main",
        *(
            f"{provider}.{name}"
            for name, member in vars(ImsProvider).items()
            if inspect.isfunction(member) and name not in NOT_IN_PREVIEW
        ),
        *(
            f"{cast(ModuleType, module).__name__}.{rpc}"
            for module in HANDLERS.values()
            for rpc in sorted(provider_rpcs() - NOT_IN_PREVIEW)
        ),
    ]


def drift_actions(observed: Observed) -> set[str]:
    """What the drift check calls: its client methods' actions (and the alicloud reads of
    any ``pulumi_alicloud`` use, none today)."""
    files = drift_files()
    return actions_of(client_methods_called(files), observed) | alicloud_actions(
        alicloud_resources_used(files), ALICLOUD_REFRESH_ACTIONS
    )


def preview_actions(observed: Observed) -> set[str]:
    """What ``pulumi preview --refresh`` calls: the ``ims`` provider's client methods on the
    preview path, and the alicloud provider's refresh of what the program declares."""
    return actions_of(preview_methods_called(preview_entries()), observed) | alicloud_actions(
        alicloud_resources_used(), ALICLOUD_REFRESH_ACTIONS
    )


@pytest.fixture
def needed(observed: Observed) -> set[str]:
    """Every action the read-only role needs."""
    return drift_actions(observed) | preview_actions(observed)


# --- the end-to-end runs ---------------------------------------------------------------------


def _drift_project(root: Path) -> Path:
    """A project with one stack: an MNS region whose queue the stack creates, an HTTP one."""
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(
        "name: ims-callbacks\nruntime: python\nstackConfigDir: stacks\n", encoding="utf-8"
    )
    regions = {
        REGION: {"delivery": "mns", "events": EVENTS},
        OTHER_REGION: {
            "delivery": "http",
            "url": "https://hooks.example.com/ims",
            "events": EVENTS,
        },
    }
    stack = {"config": {"ims-callbacks:callbacks": {"regions": regions}}}
    (root / "stacks" / "Pulumi.prod.yaml").write_text(yaml.safe_dump(stack), encoding="utf-8")
    return root


def _run_drift(emulator: EmulatorProcess, tmp_path: Path) -> dict[str, Any]:
    """``python -m components.drift --stack prod`` in-process; the JSON report."""
    home = tmp_path / "home"
    home.mkdir()
    report = tmp_path / "report.json"
    env = {
        "HOME": str(home),
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    }
    project = _drift_project(tmp_path / "project")
    argv = ["--project-dir", str(project), "--emulator", emulator.base_url, "--stack", "prod"]
    code = drift_main([*argv, "--format", "json", "--output", str(report)], env)
    assert code in (0, 2), code  # in sync or drifted; 1 would be an error
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data


def _rpc(coroutine: Coroutine[Any, Any, T]) -> T:
    """One RPC, on its own event loop (the engine's calls are independent)."""
    return asyncio.run(coroutine)


def _urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:prod::ims-callbacks::{type_token}::{name}"


def _preview_existing(
    provider: ImsProvider, urn: str, resource_id: str, stored: dict[str, Any], new: dict[str, Any]
) -> None:
    """A resource in the state, changed in the program: Read (refresh), Check, Diff and
    Update with ``preview``, as the engine sends them."""
    read = _rpc(provider.read(p.ReadRequest(urn, resource_id, wrap_map(stored), wrap_map(stored))))
    assert read.resource_id == resource_id, "the refresh found the resource"
    checked = _rpc(provider.check(p.CheckRequest(urn, wrap_map(stored), wrap_map(new), b"seed")))
    assert not checked.failures, checked.failures
    assert read.properties is not None
    assert checked.inputs is not None
    diff = _rpc(provider.diff(p.DiffRequest(urn, resource_id, read.properties, checked.inputs, [])))
    assert diff.changes, "the update path runs"
    request = p.UpdateRequest(urn, resource_id, read.properties, checked.inputs, 60, [], True)
    _rpc(provider.update(request))


def _preview_new(provider: ImsProvider, urn: str, inputs: dict[str, Any]) -> None:
    """A resource not in the state yet: Check, then Create with ``preview``."""
    checked = _rpc(provider.check(p.CheckRequest(urn, {}, wrap_map(inputs), b"seed")))
    assert not checked.failures, checked.failures
    assert checked.inputs is not None
    _rpc(provider.create(p.CreateRequest(urn, checked.inputs, 60, True)))


def _callback(region: str, **changes: Any) -> dict[str, Any]:
    """EventCallback inputs of an MNS region delivering to an existing :data:`QUEUE`."""
    values = {
        "region": region,
        "callbackType": "MNS",
        "url": "",
        "queueName": QUEUE,
        "events": list(EVENTS),
        "authEnabled": False,
        "authKey": None,
        "adopt": False,
        "onDelete": "restore",
        "checkQueue": True,
        "previous": None,
        "authKeyGenerated": None,
    }
    return values | changes


def _run_preview(emulator: EmulatorProcess) -> set[str]:
    """The provider's RPCs of a ``pulumi preview --refresh``: a callback setting and a queue
    in the state (both changed in the program), and a new setting and a new queue; the
    operations the emulator counted."""
    credential = emulator_credential()
    transport = Transport(emulator=emulator.base_url)
    owner = owner_value("ims-callbacks", "prod")
    emulator.control.reset()
    for region in (REGION, OTHER_REGION):
        MnsClient(region, credential, transport, FAST).create_queue(
            with_owner(client_queue(), owner)
        )
    IceClient(REGION, credential, transport, FAST).set_callback(mns_setting())
    emulator.control.reset_counters()

    provider = ImsProvider()
    settings = {
        "emulator": PropertyValue(emulator.base_url),
        "accessKey": PropertyValue(DEFAULT_ACCESS_KEY_ID),
        "secretKey": PropertyValue(DEFAULT_ACCESS_KEY_SECRET, is_secret=True),
    }
    _rpc(provider.configure(p.ConfigureRequest({}, settings, True, True)))
    queue = queue_properties(REGION, client_queue(), owner)
    _preview_existing(
        provider,
        _urn(CALLBACK_QUEUE.token, "queue"),
        f"{REGION}/{QUEUE}",
        queue,
        queue | {"retentionSeconds": 86400},
    )
    _preview_existing(
        provider,
        _urn(EVENT_CALLBACK.token, "callback"),
        REGION,
        _callback(REGION),
        _callback(REGION, events=["FileUploadComplete", "ProduceMediaComplete"]),
    )
    new_queue = queue_properties(OTHER_REGION, client_queue("ice-callback-policy-new"), owner)
    _preview_new(provider, _urn(CALLBACK_QUEUE.token, "new-queue"), new_queue)
    _preview_new(provider, _urn(EVENT_CALLBACK.token, "new-callback"), _callback(OTHER_REGION))
    return set(emulator.control.counters()["operations"])


# --- the docs --------------------------------------------------------------------------------

JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)
PERMISSION = re.compile(r"^(ice|mns|ram):")


def inlined_policies(markdown: str) -> list[str]:
    """The JSON blocks of ``markdown`` that are permission policies for this project's
    products (a trust policy, ``sts:AssumeRole``, is not one)."""
    found = []
    for block in JSON_BLOCK.findall(markdown):
        try:
            data = json.loads(block)
        except ValueError:
            continue
        statements = data.get("Statement", []) if isinstance(data, dict) else []
        actions = [
            str(action)
            for statement in statements
            if isinstance(statement, dict)
            for action in as_list(statement.get("Action") or [])
        ]
        if any(PERMISSION.match(action) for action in actions):
            found.append(block)
    return found


# --- tests -----------------------------------------------------------------------------------


def test_the_drift_scan_reaches_the_check_and_only_reads() -> None:
    reached = {path.relative_to(REPO).as_posix() for path in drift_files()}
    assert {"components/drift/check.py", "components/core/stack_config.py"} <= reached
    assert client_methods_called(drift_files()) == {
        IceClient: {"get_callback"},
        MnsClient: {"get_queue"},
    }
    assert alicloud_resources_used(drift_files()) == set()


def test_the_preview_scan_follows_only_the_branches_a_preview_runs() -> None:
    entries = preview_entries()
    assert "components.provider.event_callback.read" in entries
    assert not any(entry.endswith(".delete") for entry in entries)
    assert preview_methods_called(entries) == {
        IceClient: {"get_callback"},
        MnsClient: {"get_queue"},
    }
    # without leaving out `if not request.preview:` the same graph reaches the writes
    everything = preview_methods_called(entries, preview=False)
    assert {"set_callback"} <= everything[IceClient]
    assert {"create_queue", "update_queue"} <= everything[MnsClient]


def test_the_drift_check_calls_exactly_the_actions_the_scan_found(
    emulator: EmulatorProcess, observed: Observed, tmp_path: Path
) -> None:
    emulator.control.reset()
    report = _run_drift(emulator, tmp_path)
    regions = [r for stack in report["stacks"] for r in stack["regions"]]
    assert len(regions) == 2
    assert all(r["status"] != "error" for r in regions), regions
    operations = emulator.control.counters()["operations"]
    mapping = operation_actions(observed)
    assert {mapping[op] for op in operations} == drift_actions(observed)


def test_a_preview_calls_exactly_the_actions_the_scan_found(
    emulator: EmulatorProcess, observed: Observed
) -> None:
    mapping = operation_actions(observed)
    seen = {mapping[op] for op in _run_preview(emulator)}
    assert seen == actions_of(preview_methods_called(preview_entries()), observed)


def test_the_alicloud_refresh_actions_are_reads_of_the_resource_actions() -> None:
    assert set(ALICLOUD_REFRESH_ACTIONS) == set(ALICLOUD_CHANGE_ACTIONS)
    for resource, actions in ALICLOUD_REFRESH_ACTIONS.items():
        assert actions <= ALICLOUD_RESOURCE_ACTIONS[resource], resource
        assert write_actions(actions) == [], resource


def test_the_documented_policy_covers_exactly_what_the_code_reads(needed: set[str]) -> None:
    assert write_actions(needed) == []
    assert coverage_problems(load_policy(POLICY_FILE), needed) == []


def test_removing_any_documented_action_is_caught(needed: set[str]) -> None:
    policy = load_policy(POLICY_FILE)
    for action in granted(policy):
        assert f"missing: {action}" in coverage_problems(without_action(policy, action), needed)


def test_no_action_writes() -> None:
    actions = set(granted(load_policy(POLICY_FILE)))
    assert write_actions(actions) == []
    assert unknown_verbs(actions) == []


def test_the_verb_lists_tell_every_deploy_action_apart() -> None:
    deploy = set(granted(load_policy(DEPLOY_POLICY_FILE)))
    writes = set(write_actions(deploy))
    assert writes == set(unknown_verbs(deploy)), "each verb is a read or a write, not both"
    assert {"ice:SetEventCallback", "mns:CreateQueue", "ram:AttachPolicyToRole"} <= writes
    assert {verb(a) for a in writes} <= WRITE_VERBS
    assert verb("ram:ListTagResources") == "List"
    assert verb("ram:TagResources") == "Tag"


def test_resources_are_as_narrow_as_the_deploy_policy() -> None:
    preview = load_policy(POLICY_FILE)
    assert resource_problems(preview) == []
    deploy = granted(load_policy(DEPLOY_POLICY_FILE))
    for action, resources in granted(preview).items():
        assert set(resources) <= set(deploy.get(action, [])), action


def test_pipelines_links_the_policy_files_instead_of_inlining_them() -> None:
    text = PIPELINES.read_text(encoding="utf-8")
    assert "](preview-policy.json)" in text
    assert "](deployer-policy.json)" in text
    assert inlined_policies(text) == []


def test_an_inlined_policy_would_be_found() -> None:
    policy = POLICY_FILE.read_text(encoding="utf-8")
    trust = '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}'
    text = f"x\n```json\n{policy}```\n```json\n{trust}\n```\n"
    assert inlined_policies(text) == [policy]
