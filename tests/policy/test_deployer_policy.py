"""docs/deployer-policy.json grants exactly the API actions the product code calls.

How the needed actions are collected:

1. ICE and MNS: an AST scan of the product code (``components/`` without the clients themselves
   and the opt-in live contract harness, plus ``__main__.py``) finds which IceClient/MnsClient
   methods it calls. Each of those methods is then run against the emulator, and the operations
   the emulator counted become RAM actions (``ice:<Operation>``, ``mns:<Operation>``). A
   cross-check ties the instrumented run to the code: the SDK methods the clients call,
   camel-cased, are exactly the operations seen when every client method runs.
2. RAM: the ``pulumi_alicloud`` resource types the product code uses, mapped to the RAM
   actions the alicloud provider calls for them (:data:`ALICLOUD_RESOURCE_ACTIONS`).

Then the documented policy must cover exactly those actions (none missing, none extra), on
resources as narrow as the stack's names allow, and the README must show the same JSON.
"""

from __future__ import annotations

import ast
import fnmatch
import inspect
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.aliyun.retry import RetryPolicy
from components.core.callback import CallbackSetting
from components.core.models import DEFAULT_ROLE_NAME, QueueSettings
from components.core.rules import default_queue_name
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.queues import queue_settings

REPO = Path(__file__).resolve().parents[2]
POLICY_FILE = REPO / "docs" / "deployer-policy.json"
README = REPO / "README.md"
NOT_PRODUCT = ("components/aliyun", "components/contract")
"""The clients themselves (scanned separately) and the opt-in live contract harness, whose
identity is documented in docs/contract.md; neither runs during preview, up, destroy or drift."""

CLIENTS: dict[type[Any], str] = {IceClient: "ice", MnsClient: "mns"}
"""Each client class and the RAM code of its actions (mns-open's actions are ``mns:*``)."""

REGION = "cn-shanghai"
QUEUE = "ice-callback-policy-test"
RAM_POLICY_RESOURCE = "acs:ram:*:*:policy/*-mns-send"
"""The RAM policies the stack creates: region.py names them ``<stack>-<component>-mns-send``."""
FAST = RetryPolicy(max_attempts=2, initial_wait=0.001, max_wait=0.005, max_elapsed=10)

# From the alicloud provider's source (terraform-provider-alicloud, which pulumi-alicloud 4.0.0
# bridges: alicloud/resource_alicloud_ram_policy.go, resource_alicloud_ram_role.go,
# resource_alicloud_ram_role_policy_attachment.go and the RamService/RamServiceV2 Describe*
# helpers they call): every RAM API call of create, read, update and delete, for the arguments
# this project sets. Policy: `force=True` makes delete list the policy's entities, detach it
# and delete its old versions first (users and groups are never attached by the stack, so
# DetachPolicyFromUser/Group are not needed); read lists the policy's tags. Role: no `force`,
# and `retain_on_delete`: the stack never deletes the role, so no DeleteRole; read lists the
# role's tags. The role lookup (`ram.get_roles`, before declaring the role) calls ListRoles.
ALICLOUD_RESOURCE_ACTIONS: dict[str, frozenset[str]] = {
    "Provider": frozenset(),  # a provider instance makes no call of its own
    "ram.Policy": frozenset(
        {
            "ram:CreatePolicy",
            "ram:GetPolicy",
            "ram:ListTagResources",
            "ram:CreatePolicyVersion",
            "ram:UpdatePolicyDescription",
            "ram:ListEntitiesForPolicy",
            "ram:DetachPolicyFromRole",
            "ram:ListPolicyVersions",
            "ram:DeletePolicyVersion",
            "ram:DeletePolicy",
        }
    ),
    "ram.RolePolicyAttachment": frozenset(
        {"ram:AttachPolicyToRole", "ram:ListPoliciesForRole", "ram:DetachPolicyFromRole"}
    ),
    "ram.Role": frozenset(
        {
            "ram:CreateRole",
            "ram:GetRole",
            "ram:ListTagResources",
            "ram:UpdateRole",
        }
    ),
    "ram.get_roles": frozenset({"ram:ListRoles"}),
}

# --- what the product code calls -------------------------------------------------------------


def product_files() -> list[Path]:
    """Every product source file outside the clients and the live contract harness."""
    files = [REPO / "__main__.py"]
    for path in sorted((REPO / "components").rglob("*.py")):
        if not path.relative_to(REPO).as_posix().startswith(NOT_PRODUCT):
            files.append(path)
    return files


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in product_files():
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def public_methods(cls: type[Any]) -> set[str]:
    """The public methods a client class defines itself (its API)."""
    return {
        name
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def client_methods_called() -> dict[type[Any], set[str]]:
    """Per client class, the methods the product code calls or hands on to be called
    (``x.get_callback()``, ``cloud.run(client.get_callback)``), by name."""
    called: set[str] = set()
    for _, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                called.add(node.attr)
    return {cls: public_methods(cls) & called for cls in CLIENTS}


def sdk_methods_called(cls: type[Any]) -> set[str]:
    """SDK methods a client calls: ``self._client().<method>(...)`` in its module."""
    tree = ast.parse(Path(inspect.getfile(cls)).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Attribute)
            and node.func.value.func.attr == "_client"
        ):
            found.add(node.func.attr)
    return found


def operation_name(sdk_method: str) -> str:
    """``get_event_callback`` (also ``_with_options``/``_async`` forms) -> ``GetEventCallback``."""
    base = re.sub(r"(_with_options)?(_async)?$", "", sdk_method)
    return "".join(part.capitalize() for part in base.split("_"))


def _alicloud_imports(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """Classes imported from ``pulumi_alicloud`` (``ram.Policy``) and module aliases
    (local name -> path below ``pulumi_alicloud``, e.g. ``ram`` -> ``ram``)."""
    classes: set[str] = set()
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi_alicloud"):
            prefix = (node.module or "").removeprefix("pulumi_alicloud").lstrip(".")
            for alias in node.names:
                name = f"{prefix}.{alias.name}" if prefix else alias.name
                if alias.name[:1].isupper() or alias.name.startswith("get_"):
                    classes.add(name)  # a resource class, or a data source (an invoke)
                else:
                    modules[alias.asname or alias.name] = name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pulumi_alicloud"):
                    rest = alias.name.removeprefix("pulumi_alicloud").lstrip(".")
                    modules[alias.asname or alias.name] = rest
    return classes, modules


def alicloud_resources_used() -> set[str]:
    """``pulumi_alicloud`` classes and data sources the product code uses, as ``ram.Policy``,
    ``ram.get_roles``, ``Provider``, ...

    Both ``from pulumi_alicloud.ram import Policy`` and ``alicloud.ram.Policy(...)`` count.
    """
    used: set[str] = set()
    for _, tree in _trees():
        classes, modules = _alicloud_imports(tree)
        used |= classes
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Attribute)
                and (node.attr[:1].isupper() or node.attr.startswith("get_"))
            ):
                continue
            parts = [node.attr]
            value: ast.expr = node.value
            while isinstance(value, ast.Attribute):
                parts.insert(0, value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in modules:
                used.add(".".join(p for p in (modules[value.id], *parts) if p))
    return used


# --- running the client methods against the emulator ----------------------------------------


def _queue(name: str = QUEUE, retention: int = 345600) -> QueueSettings:
    return queue_settings(name, retention_seconds=retention)


def _mns_setting() -> CallbackSetting:
    return CallbackSetting("MNS", queue_name=QUEUE, events=("FileUploadComplete",))


Exercise = tuple[Callable[[Any], object], Callable[[Any], object]]
"""(prepare, call): ``prepare`` sets up state (not counted), ``call`` is the method's call."""


def _nothing(_: object) -> None:
    return None


EXERCISES: dict[type[Any], dict[str, Exercise]] = {
    IceClient: {
        "get_callback": (_nothing, lambda c: c.get_callback()),
        "set_callback": (_nothing, lambda c: c.set_callback(_mns_setting())),
        "reset_callback": (lambda c: c.set_callback(_mns_setting()), lambda c: c.reset_callback()),
    },
    MnsClient: {
        "get_queue": (_nothing, lambda c: c.get_queue(QUEUE)),
        "create_queue": (_nothing, lambda c: c.create_queue(_queue())),
        "update_queue": (
            lambda c: c.create_queue(_queue()),
            lambda c: c.update_queue(_queue(retention=86400)),
        ),
        "delete_queue": (lambda c: c.create_queue(_queue()), lambda c: c.delete_queue(QUEUE)),
    },
}


@pytest.fixture
def observed(emulator: EmulatorProcess) -> dict[type[Any], dict[str, set[str]]]:
    """Per client and method: the operations the emulator counted while the method ran."""
    credential = resolve_credentials(
        {
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        },
        {},
    )
    transport = Transport(emulator=emulator.base_url)
    result: dict[type[Any], dict[str, set[str]]] = {}
    for cls, exercises in EXERCISES.items():
        result[cls] = {}
        for method, (prepare, call) in exercises.items():
            emulator.control.reset()  # state, faults and counters
            client = cls(REGION, credential, transport, FAST)
            if cls is IceClient:  # an MNS callback needs its queue
                MnsClient(REGION, credential, transport, FAST).create_queue(_queue())
            prepare(client)
            emulator.control.reset_counters()
            call(client)
            result[cls][method] = set(emulator.control.counters()["operations"])
    return result


# --- the documented policy -------------------------------------------------------------------


def load_policy(path: Path = POLICY_FILE) -> dict[str, Any]:
    """The documented policy as data."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def granted(policy: dict[str, Any]) -> dict[str, list[str]]:
    """Action -> the resources it is allowed on (Allow statements)."""
    grants: dict[str, list[str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow", statement
        for action in _as_list(statement["Action"]):
            grants.setdefault(action, []).extend(_as_list(statement["Resource"]))
    return grants


def coverage_problems(policy: dict[str, Any], needed: set[str]) -> list[str]:
    """What is wrong with ``policy`` for exactly ``needed``: missing and extra actions."""
    actions = set(granted(policy))
    return [f"missing: {a}" for a in sorted(needed - actions)] + [
        f"not needed: {a}" for a in sorted(actions - needed)
    ]


@pytest.fixture
def needed(observed: dict[type[Any], dict[str, set[str]]]) -> set[str]:
    """Every action the product code needs, from the scan, the emulator and the table."""
    actions: set[str] = set()
    for cls, methods in client_methods_called().items():
        for method in methods:
            actions |= {f"{CLIENTS[cls]}:{op}" for op in observed[cls][method]}
    for resource in alicloud_resources_used():
        assert resource in ALICLOUD_RESOURCE_ACTIONS, (
            f"pulumi_alicloud {resource} is used: add its RAM actions to the table"
        )
        actions |= ALICLOUD_RESOURCE_ACTIONS[resource]
    return actions


# --- tests -----------------------------------------------------------------------------------


def test_every_client_method_has_an_exercise() -> None:
    for cls, exercises in EXERCISES.items():
        assert set(exercises) == public_methods(cls), cls.__name__


def test_the_scan_finds_the_calls_the_deploy_path_makes() -> None:
    called = client_methods_called()
    assert {"get_callback", "set_callback", "reset_callback"} <= called[IceClient]
    assert {"get_queue", "create_queue", "update_queue", "delete_queue"} <= called[MnsClient]
    assert {"ram.Policy", "ram.RolePolicyAttachment", "ram.Role", "ram.get_roles"} <= (
        alicloud_resources_used()
    )


def test_the_emulator_saw_exactly_the_sdk_calls_of_the_clients(observed) -> None:
    for cls in CLIENTS:
        seen = set().union(*observed[cls].values())
        assert seen == {operation_name(m) for m in sdk_methods_called(cls)}, cls.__name__


def test_the_documented_policy_covers_exactly_what_the_code_calls(needed) -> None:
    assert coverage_problems(load_policy(), needed) == []


def test_removing_any_documented_action_is_caught(needed) -> None:
    policy = load_policy()
    for action in granted(policy):
        trimmed = json.loads(json.dumps(policy))
        for statement in trimmed["Statement"]:
            statement["Action"] = [a for a in _as_list(statement["Action"]) if a != action]
        assert f"missing: {action}" in coverage_problems(trimmed, needed)


def test_resources_are_as_narrow_as_the_names_the_stack_uses() -> None:
    queue_arn = f"acs:mns:{REGION}:1234567890:/queues/{default_queue_name('ims', 'prod', REGION)}"
    ram_resources = {RAM_POLICY_RESOURCE, f"acs:ram:*:*:role/{DEFAULT_ROLE_NAME}"}
    for action, resources in granted(load_policy()).items():
        if action == "ram:ListRoles":  # a list cannot name one role: roles, nothing else
            assert resources == ["acs:ram:*:*:role/*"], action
            continue
        product = action.split(":")[0]
        if product == "ice":  # ICE has no resource-level permissions: its whole product
            assert resources == ["acs:ice:*:*:*"], action
        elif product == "mns":  # only queues with the prefix IMS requires
            assert resources == ["acs:mns:*:*:/queues/ice-callback-*"], action
            assert fnmatch.fnmatchcase(queue_arn, resources[0])
        else:  # only the policies the stack names and the role IMS uses
            assert product == "ram", action
            assert set(resources) <= ram_resources, action


def test_the_policy_names_the_stack_generates_match_the_policy_resource() -> None:
    from components.pulumi_layer.region import _policy_name

    name = _policy_name("prod-ims-callbacks-cn-shanghai")
    assert fnmatch.fnmatchcase(f"acs:ram:*:*:policy/{name}", RAM_POLICY_RESOURCE), name


def test_the_readme_shows_the_documented_policy() -> None:
    text = README.read_text(encoding="utf-8")
    assert POLICY_FILE.read_text(encoding="utf-8").strip() in text
    assert "docs/deployer-policy.json" in text
