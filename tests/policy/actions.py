"""What the product code calls, as RAM actions, and what a documented RAM policy grants.

Shared by the policy tests (test_deployer_policy.py, test_preview_policy.py):

- **Scans** (AST) of the product code: which IceClient/MnsClient methods it calls, either
  anywhere in a set of files (:func:`client_methods_called`) or only on the paths a
  ``pulumi preview`` runs, from given entry points (:func:`preview_methods_called`), and which
  ``pulumi_alicloud`` resources and data sources it uses (:func:`alicloud_resources_used`).
- **Exercises**: every client method run against the emulator (:func:`observe`), so a
  method becomes the operations the emulator counted, i.e. RAM actions (:func:`actions_of`).
- **The alicloud table**: the RAM actions the alicloud provider calls per resource type, split
  into what a refresh (read, import, data source) calls and what create, update and delete add.
- **The documented policy** as data: :func:`granted`, :func:`coverage_problems`,
  :func:`resource_problems`, :func:`write_actions`.
"""

from __future__ import annotations

import ast
import fnmatch
import inspect
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.aliyun.retry import RetryPolicy
from components.core.callback import CallbackSetting
from components.core.models import QueueSettings
from components.core.rules import default_queue_name
from components.core.schema_fields import DEFAULT_ROLE_NAME
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.queues import queue_settings

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
NOT_PRODUCT = ("components/aliyun", "components/contract")
"""The clients themselves (exercised against the emulator instead) and the opt-in live
contract harness, whose identity is documented in docs/contract.md; neither runs during
preview, up, destroy or drift."""

CLIENTS: dict[type[Any], str] = {IceClient: "ice", MnsClient: "mns"}
"""Each client class and the RAM code of its actions (mns-open's actions are ``mns:*``)."""

REGION = "cn-shanghai"
QUEUE = "ice-callback-policy-test"
FAST = RetryPolicy(max_attempts=2, initial_wait=0.001, max_wait=0.005, max_elapsed=10)

ROLE_RESOURCE = f"acs:ram:*:*:role/{DEFAULT_ROLE_NAME}"
"""The role IMS assumes (``grant.roleName``'s default)."""
RAM_POLICY_RESOURCE = "acs:ram:*:*:policy/*-mns-send"
"""The RAM policies the stack creates: region.py names them ``<stack>-<component>-mns-send``."""
ALL_ROLES = "acs:ram:*:*:role/*"
"""What ``ram:ListRoles`` needs: a list cannot name one role."""
ICE_RESOURCE = "acs:ice:*:*:*"
"""ICE has no resource-level permissions: its whole product."""
MNS_RESOURCE = "acs:mns:*:*:/queues/ice-callback-*"
"""Only queues with the prefix IMS requires of a callback queue."""

# --- the alicloud provider -------------------------------------------------------------------

# From the alicloud provider's source (terraform-provider-alicloud, which pulumi-alicloud 4.0.0
# bridges: alicloud/resource_alicloud_ram_policy.go, resource_alicloud_ram_role.go,
# resource_alicloud_ram_role_policy_attachment.go, data_source_alicloud_ram_roles.go and the
# RamServiceV2 Describe* helpers they call): every RAM API call, for the arguments this project
# sets. None of the three resources has a CustomizeDiff, and the provider's configure validates
# its region statically, so check, diff and a preview's create or update call nothing.
#
# Refresh (Read, also for an import, and a data source's read):
# - Policy: DescribeRamPolicy is GetPolicy (which returns the default version's document, so
#   no GetPolicyVersion), then DescribePolicyListTagResources, ListTagResources.
# - Role: DescribeRamRole is GetRole, then DescribeRoleListTagResources, ListTagResources.
# - RolePolicyAttachment: DescribeRamRolePolicyAttachment is ListPoliciesForRole.
# - The role lookup (`ram.get_roles`, before declaring the role, also in preview) calls
#   ListRoles, then GetRole for each role it matches (the exact role name) for its trust policy.
ALICLOUD_REFRESH_ACTIONS: dict[str, frozenset[str]] = {
    "Provider": frozenset(),  # a provider instance makes no call of its own
    "ram.Policy": frozenset({"ram:GetPolicy", "ram:ListTagResources"}),
    "ram.RolePolicyAttachment": frozenset({"ram:ListPoliciesForRole"}),
    "ram.Role": frozenset({"ram:GetRole", "ram:ListTagResources"}),
    "ram.get_roles": frozenset({"ram:ListRoles", "ram:GetRole"}),
}

# Create, update and delete. Policy: `force=True` makes delete list the policy's entities,
# detach it and delete its old versions first (users and groups are never attached by the
# stack, so DetachPolicyFromUser/Group are not needed). Role: no `force`, and
# `retain_on_delete`: the stack never deletes the role, so no DeleteRole.
ALICLOUD_CHANGE_ACTIONS: dict[str, frozenset[str]] = {
    "Provider": frozenset(),
    "ram.Policy": frozenset(
        {
            "ram:CreatePolicy",
            "ram:CreatePolicyVersion",
            "ram:UpdatePolicyDescription",
            "ram:ListEntitiesForPolicy",
            "ram:DetachPolicyFromRole",
            "ram:ListPolicyVersions",
            "ram:DeletePolicyVersion",
            "ram:DeletePolicy",
        }
    ),
    "ram.RolePolicyAttachment": frozenset({"ram:AttachPolicyToRole", "ram:DetachPolicyFromRole"}),
    "ram.Role": frozenset({"ram:CreateRole", "ram:UpdateRole"}),
    "ram.get_roles": frozenset(),
}

ALICLOUD_RESOURCE_ACTIONS: dict[str, frozenset[str]] = {
    name: ALICLOUD_REFRESH_ACTIONS[name] | ALICLOUD_CHANGE_ACTIONS[name]
    for name in ALICLOUD_REFRESH_ACTIONS
}
"""Every RAM action the alicloud provider calls per resource type: refresh, create, update,
delete."""


def alicloud_actions(resources: Iterable[str], table: Mapping[str, frozenset[str]]) -> set[str]:
    """The actions of ``table`` for the ``pulumi_alicloud`` ``resources``; an unknown one fails."""
    actions: set[str] = set()
    for resource in resources:
        assert resource in table, (
            f"pulumi_alicloud {resource} is used: add its RAM actions to the tables in "
            "tests/policy/actions.py"
        )
        actions |= table[resource]
    return actions


# --- scanning the product code ---------------------------------------------------------------


def product_files() -> list[Path]:
    """Every product source file outside the clients and the live contract harness."""
    files = [REPO / "__main__.py"]
    for path in sorted((REPO / "components").rglob("*.py")):
        if is_product(path):
            files.append(path)
    return files


def is_product(path: Path) -> bool:
    """Whether ``path`` is product code to scan (not a client, not the contract harness)."""
    return not path.relative_to(REPO).as_posix().startswith(NOT_PRODUCT)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _trees(files: Iterable[Path]) -> Iterator[tuple[Path, ast.Module]]:
    for path in files:
        yield path, _parse(path)


def module_name(path: Path) -> str:
    """``components/drift/check.py`` -> ``components.drift.check`` (a package: its folder)."""
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_file(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(tree: ast.Module) -> set[str]:
    """Modules of this repository's ``components`` package that ``tree`` imports, anywhere
    (function-local imports too); ``from pkg import name`` counts ``pkg`` and ``pkg.name``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "components"}


def reached_files(start: Iterable[Path]) -> list[Path]:
    """``start`` and every ``components`` source file they import, transitively (with the
    packages on the way: importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py``)."""
    seen: set[Path] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imported_modules(_parse(path)):
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                found = _module_file(".".join(parts[:end]))
                if found is not None and found not in seen:
                    todo.append(found)
    return sorted(seen)


def public_methods(cls: type[Any]) -> set[str]:
    """The public methods a client class defines itself (its API)."""
    return {
        name
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def _client_methods(attributes: set[str]) -> dict[type[Any], set[str]]:
    return {cls: public_methods(cls) & attributes for cls in CLIENTS}


def client_methods_called(files: Iterable[Path] | None = None) -> dict[type[Any], set[str]]:
    """Per client class, the methods the code in ``files`` (default: all product code) calls
    or hands on to be called (``x.get_callback()``, ``cloud.run(client.get_callback)``), by
    name."""
    called: set[str] = set()
    for _, tree in _trees(product_files() if files is None else files):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                called.add(node.attr)
    return _client_methods(called)


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


# --- the preview path: a call graph with the branches a preview skips left out ---------------

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _is_preview_flag(node: ast.expr) -> bool:
    """``request.preview`` (or any ``<x>.preview``)."""
    return isinstance(node, ast.Attribute) and node.attr == "preview"


def false_in_preview(test: ast.expr) -> bool:
    """A condition that is false whenever ``preview`` is true: ``not request.preview``, or
    an ``and`` with such an operand."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _is_preview_flag(test.operand)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(false_in_preview(value) for value in test.values)
    return False


def true_in_preview(test: ast.expr) -> bool:
    """A condition that is true whenever ``preview`` is true: ``request.preview``, or an ``or``
    with such an operand."""
    if _is_preview_flag(test):
        return True
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(true_in_preview(value) for value in test.values)
    return False


def _nodes(node: ast.AST, preview: bool) -> Iterator[ast.AST]:
    """``node`` and everything below it; with ``preview``, without the ``if`` branches that
    cannot run in a preview."""
    yield node
    if preview and isinstance(node, ast.If):
        yield from _nodes(node.test, preview)
        if not false_in_preview(node.test):
            for statement in node.body:
                yield from _nodes(statement, preview)
        if not true_in_preview(node.test):
            for statement in node.orelse:
                yield from _nodes(statement, preview)
        return
    for child in ast.iter_child_nodes(node):
        yield from _nodes(child, preview)


class CallGraph:
    """Functions and methods of the product code by qualified name (``module.function``,
    ``module.Class.method``), and what each refers to.

    A reference is a name or ``a.b`` chain that resolves, through the module's imports, to
    one of these functions (calling it, or handing it on: ``cloud.run(_owned, ...)``), to a
    class (all its methods), or ``self.<method>``. Other attributes (``client.get_queue``)
    are recorded by name: those are the calls on objects the graph does not follow.
    """

    def __init__(self, files: Iterable[Path]) -> None:
        """Index ``files``."""
        self.functions: dict[str, tuple[str, str | None, Function]] = {}
        """qualified name -> (module, qualified class or None, node)"""
        self.classes: dict[str, list[str]] = {}
        self.imports: dict[str, dict[str, str]] = {}
        for path in files:
            module = module_name(path)
            tree = _parse(path)
            names = self.imports.setdefault(module, {})
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    for alias in node.names:
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        names[alias.asname or alias.name.split(".")[0]] = (
                            alias.name if alias.asname else alias.name.split(".")[0]
                        )
            for node in tree.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions[f"{module}.{node.name}"] = (module, None, node)
                elif isinstance(node, ast.ClassDef):
                    cls = f"{module}.{node.name}"
                    methods = self.classes.setdefault(cls, [])
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                            self.functions[f"{cls}.{item.name}"] = (module, cls, item)
                            methods.append(f"{cls}.{item.name}")

    def _targets(self, qualified: str) -> list[str]:
        if qualified in self.functions:
            return [qualified]
        return list(self.classes.get(qualified, []))

    def _resolve(self, module: str, cls: str | None, node: ast.expr) -> list[str]:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return []
        if node.id == "self" and cls is not None:
            return self._targets(".".join([cls, *parts[:1]])) if parts else []
        heads = [f"{module}.{node.id}", self.imports.get(module, {}).get(node.id, "")]
        return [
            target for head in heads if head for target in self._targets(".".join([head, *parts]))
        ]

    def reachable(self, entries: Iterable[str], *, preview: bool) -> tuple[set[str], set[str]]:
        """The functions reachable from ``entries`` and every attribute name they use; with
        ``preview``, along the branches a preview runs only."""
        todo = list(entries)
        missing = [e for e in todo if e not in self.functions]
        assert not missing, f"no such function in the product code: {missing}"
        seen: set[str] = set()
        attributes: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            module, cls, function = self.functions[name]
            for node in _nodes(function, preview):
                if isinstance(node, ast.Attribute):
                    attributes.add(node.attr)
                if isinstance(node, ast.Name | ast.Attribute):
                    todo.extend(t for t in self._resolve(module, cls, node) if t not in seen)
        return seen, attributes


def preview_methods_called(
    entries: Iterable[str], *, preview: bool = True
) -> dict[type[Any], set[str]]:
    """Per client class, the methods reachable from ``entries`` in the product code, along the
    branches a preview runs (``preview=False``: all branches)."""
    _, attributes = CallGraph(product_files()).reachable(entries, preview=preview)
    return _client_methods(attributes)


# --- pulumi_alicloud -------------------------------------------------------------------------


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


def alicloud_resources_used(files: Iterable[Path] | None = None) -> set[str]:
    """``pulumi_alicloud`` classes and data sources the code in ``files`` (default: all product
    code) uses, as ``ram.Policy``, ``ram.get_roles``, ``Provider``, ...

    Both ``from pulumi_alicloud.ram import Policy`` and ``alicloud.ram.Policy(...)`` count.
    """
    used: set[str] = set()
    for _, tree in _trees(product_files() if files is None else files):
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


def client_queue(name: str = QUEUE, retention: int = 345600) -> QueueSettings:
    """A queue as a stack declares it (the field table's defaults)."""
    return queue_settings(name, retention_seconds=retention)


def mns_setting() -> CallbackSetting:
    """An MNS callback setting delivering to :data:`QUEUE`."""
    return CallbackSetting("MNS", queue_name=QUEUE, events=("FileUploadComplete",))


Exercise = tuple[Callable[[Any], object], Callable[[Any], object]]
"""(prepare, call): ``prepare`` sets up state (not counted), ``call`` is the method's call."""


def _nothing(_: object) -> None:
    return None


EXERCISES: dict[type[Any], dict[str, Exercise]] = {
    IceClient: {
        "get_callback": (_nothing, lambda c: c.get_callback()),
        "set_callback": (_nothing, lambda c: c.set_callback(mns_setting())),
        "reset_callback": (lambda c: c.set_callback(mns_setting()), lambda c: c.reset_callback()),
    },
    MnsClient: {
        "get_queue": (_nothing, lambda c: c.get_queue(QUEUE)),
        "create_queue": (_nothing, lambda c: c.create_queue(client_queue())),
        "update_queue": (
            lambda c: c.create_queue(client_queue()),
            lambda c: c.update_queue(client_queue(retention=86400)),
        ),
        "delete_queue": (
            lambda c: c.create_queue(client_queue()),
            lambda c: c.delete_queue(QUEUE),
        ),
    },
}

Observed = dict[type[Any], dict[str, set[str]]]
"""Per client class and method: the operations the emulator counted while the method ran."""


def emulator_credential() -> Any:
    """The emulator's access key as a credentials client."""
    return resolve_credentials(
        {
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        },
        {},
    )


def observe(emulator: EmulatorProcess) -> Observed:
    """Run every exercise on a fresh emulator state; count each method's operations."""
    credential = emulator_credential()
    transport = Transport(emulator=emulator.base_url)
    result: Observed = {}
    for cls, exercises in EXERCISES.items():
        result[cls] = {}
        for method, (prepare, call) in exercises.items():
            emulator.control.reset()  # state, faults and counters
            client = cls(REGION, credential, transport, FAST)
            if cls is IceClient:  # an MNS callback needs its queue
                MnsClient(REGION, credential, transport, FAST).create_queue(client_queue())
            prepare(client)
            emulator.control.reset_counters()
            call(client)
            result[cls][method] = set(emulator.control.counters()["operations"])
    return result


def actions_of(methods: Mapping[type[Any], set[str]], observed: Observed) -> set[str]:
    """The RAM actions of the client ``methods``: their operations, with the client's code."""
    return {
        f"{CLIENTS[cls]}:{operation}"
        for cls, names in methods.items()
        for name in names
        for operation in observed[cls][name]
    }


def operation_actions(observed: Observed) -> dict[str, str]:
    """Operation (as the emulator counts it) -> RAM action, from what the exercises saw."""
    return {
        operation: f"{CLIENTS[cls]}:{operation}"
        for cls, methods in observed.items()
        for operations in methods.values()
        for operation in operations
    }


# --- the documented policy -------------------------------------------------------------------


def load_policy(path: Path) -> dict[str, Any]:
    """A documented policy as data."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def as_list(value: str | list[str]) -> list[str]:
    """A policy's ``Action`` or ``Resource``, one string or a list, as a list."""
    return [value] if isinstance(value, str) else list(value)


def granted(policy: dict[str, Any]) -> dict[str, list[str]]:
    """Action -> the resources it is allowed on (Allow statements)."""
    grants: dict[str, list[str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow", statement
        for action in as_list(statement["Action"]):
            grants.setdefault(action, []).extend(as_list(statement["Resource"]))
    return grants


def coverage_problems(policy: dict[str, Any], needed: set[str]) -> list[str]:
    """What is wrong with ``policy`` for exactly ``needed``: missing and extra actions."""
    actions = set(granted(policy))
    return [f"missing: {a}" for a in sorted(needed - actions)] + [
        f"not needed: {a}" for a in sorted(actions - needed)
    ]


def without_action(policy: dict[str, Any], action: str) -> dict[str, Any]:
    """A copy of ``policy`` with ``action`` removed from every statement."""
    trimmed: dict[str, Any] = json.loads(json.dumps(policy))
    for statement in trimmed["Statement"]:
        statement["Action"] = [a for a in as_list(statement["Action"]) if a != action]
    return trimmed


def resource_problems(policy: dict[str, Any]) -> list[str]:
    """Actions granted on more than the names the stack uses (or on something else)."""
    queue_arn = f"acs:mns:{REGION}:1234567890:/queues/{default_queue_name('ims', 'prod', REGION)}"
    problems: list[str] = []
    for action, resources in granted(policy).items():
        product = action.split(":")[0]
        if action == "ram:ListRoles":  # a list cannot name one role: roles, nothing else
            ok = resources == [ALL_ROLES]
        elif product == "ice":
            ok = resources == [ICE_RESOURCE]
        elif product == "mns":
            ok = resources == [MNS_RESOURCE] and fnmatch.fnmatchcase(queue_arn, MNS_RESOURCE)
        else:  # only the policies the stack names and the role IMS uses
            ok = product == "ram" and set(resources) <= {RAM_POLICY_RESOURCE, ROLE_RESOURCE}
        if not ok:
            problems.append(f"{action}: {resources}")
    return problems


READ_VERBS = frozenset({"Get", "List", "Describe", "Query"})
"""The verbs of API operations that only read."""
WRITE_VERBS = frozenset(
    {
        "Set",
        "Create",
        "Delete",
        "Update",
        "Attach",
        "Detach",
        "Tag",
        "Untag",
        "Put",
        "Add",
        "Remove",
        "Change",
        "Modify",
        "Enable",
        "Disable",
        "Reset",
        "Send",
        "Publish",
        "Receive",
        "Subscribe",
        "Unsubscribe",
        "Bind",
        "Unbind",
        "Grant",
        "Revoke",
        "Generate",
        "Upload",
        "Import",
        "Move",
        "Clear",
    }
)
"""The verbs of API operations that change something (``ReceiveMessage`` changes a message's
visibility)."""


def verb(action: str) -> str:
    """``ram:ListTagResources`` -> ``List``; ``ram:TagResources`` -> ``Tag``."""
    match = re.match(r"[A-Z][a-z]*", action.split(":", 1)[-1])
    return match[0] if match else ""


def write_actions(actions: Iterable[str]) -> list[str]:
    """The actions among ``actions`` whose verb is one of :data:`WRITE_VERBS`."""
    return sorted(a for a in actions if verb(a) in WRITE_VERBS)


def unknown_verbs(actions: Iterable[str]) -> list[str]:
    """The actions among ``actions`` whose verb is none of :data:`READ_VERBS` (a verb neither
    list knows must be judged before it can be in a read-only policy)."""
    return sorted(a for a in actions if verb(a) not in READ_VERBS)
