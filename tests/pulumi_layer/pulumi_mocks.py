"""Pulumi mocks that record every registration: inputs AND the options the engine would see.

``MockResourceArgs`` carries no parent, dependencies, aliases or additional secret outputs, so
the monitor below also keeps each ``RegisterResource`` request. Outputs echo the inputs
(camelCase keys, secrets stay wrapped), which is what the SDK needs to resolve
``role.role_name`` etc.; an EventCallback with auth but no key gets a generated one, as from
the ims provider.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from components.core.schema_fields import CALLBACK_QUEUE, EVENT_CALLBACK, IMS_CALLBACKS
from components.pulumi_layer.region import TYPE as REGION_COMPONENT_TYPE

PROJECT = "ims-callbacks"
STACK = "test"

ROLE = "alicloud:ram/role:Role"
POLICY = "alicloud:ram/policy:Policy"
ATTACHMENT = "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment"
QUEUE = CALLBACK_QUEUE.token
ALICLOUD_PROVIDER = "pulumi:providers:alicloud"
CALLBACK = EVENT_CALLBACK.token
ACCOUNT = IMS_CALLBACKS.token
REGION = REGION_COMPONENT_TYPE
RAM_TYPES = frozenset({ROLE, POLICY, ATTACHMENT})
GET_ROLES = "alicloud:ram/getRoles:getRoles"
GENERATED_KEY = "MockGenerated0Key"


def is_secret(value: object) -> bool:
    """True for a value the SDK sent as a secret (``{sig: secret-sig, value: ...}``)."""
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def unwrap(value: object) -> object:
    """The plain value of a possibly secret-wrapped input."""
    return value["value"] if is_secret(value) else value  # type: ignore[index]


def plain_strings(value: object) -> Iterator[str]:
    """Every string in an input tree that is NOT inside a secret wrapper."""
    if is_secret(value):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from plain_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from plain_strings(item)


@dataclass(frozen=True)
class Registration:
    """One registered resource as the engine would have seen it."""

    type: str
    name: str
    urn: str
    parent: str
    dependencies: frozenset[str]
    property_dependencies: dict[str, frozenset[str]]
    provider: str
    additional_secret_outputs: tuple[str, ...]
    alias_types: tuple[str, ...]
    inputs: dict[str, Any]
    retain_on_delete: bool = False
    import_id: str = ""
    ignore_changes: tuple[str, ...] = ()

    @property
    def provider_urn(self) -> str:
        """The URN part of the provider reference (``<urn>::<id>``), or ``""``."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""

    def plain(self, key: str) -> Any:
        """An input value with any secret wrapper removed."""
        return unwrap(self.inputs.get(key))


def _role_of(args: MockCallArgs) -> str:
    """The role name a ``getRoles`` lookup asks for (its ``^name$`` regex)."""
    return re.sub(r"\\(.)", r"\1", str(args.args.get("nameRegex", "")).strip("^$"))


class RecordingMocks(pulumi.runtime.Mocks):
    """Echo inputs as outputs (plus a role ARN); remember the inputs of every resource."""

    def __init__(self) -> None:
        self.args: dict[str, MockResourceArgs] = {}
        self.existing_roles: set[str] = set()
        self.invokes: list[str] = []
        self._lock = threading.Lock()

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        with self._lock:
            assert args.name not in self.args, f"duplicate resource name {args.name}"
            self.args[args.name] = args
        outputs = dict(args.inputs)
        if args.typ == ROLE:
            outputs["arn"] = f"acs:ram::1234567890:role/{unwrap(args.inputs.get('roleName'))}"
        if (
            args.typ == CALLBACK
            and args.inputs.get("authEnabled")
            and not args.inputs.get("authKey")
        ):
            # What the ims provider's check generates; it returns the key as a secret.
            outputs["authKey"] = {
                rpc._special_sig_key: rpc._special_secret_sig,
                "value": GENERATED_KEY,
            }
        return f"{args.name}-id", outputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        if args.token == GET_ROLES:  # create-role's lookup: the account has the roles in ROLES
            self.invokes.append(args.token)
            found = [{"id": n, "name": n} for n in self.existing_roles if n == _role_of(args)]
            return {"roles": found, "names": [r["name"] for r in found]}
        raise AssertionError(f"unexpected invoke {args.token}")


class RecordingMonitor(MockMonitor):
    """A MockMonitor that also keeps each RegisterResource request (except the root stack)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording_mocks = mocks
        self._requests: dict[str, tuple[Any, str]] = {}
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            with self._lock:
                self._requests[request.name] = (request, response.urn)
        return response

    def registrations(self) -> dict[str, Registration]:
        """Every registered resource by name."""
        out = {}
        for name, (request, urn) in self._requests.items():
            out[name] = Registration(
                type=request.type,
                name=name,
                urn=urn,
                parent=request.parent,
                dependencies=frozenset(request.dependencies),
                property_dependencies={
                    k: frozenset(v.urns) for k, v in request.propertyDependencies.items()
                },
                provider=request.provider,
                additional_secret_outputs=tuple(request.additionalSecretOutputs),
                alias_types=tuple(a.spec.type for a in request.aliases if a.spec.type),
                inputs=dict(self.recording_mocks.args[name].inputs),
                retain_on_delete=bool(request.retainOnDelete),
                import_id=request.importId,
                ignore_changes=tuple(request.ignoreChanges),
            )
        return out


@contextmanager
def pulumi_mocks() -> Iterator[RecordingMonitor]:
    """Stelvio-style hygiene: own event loop, fresh mocks, and a full reset afterwards.

    ``set_mocks`` is process-global with no "unset"; ``reset_options`` clears the root stack
    and settings, and cancelling leftover tasks keeps one test's async work out of the next.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=STACK, preview=False, monitor=monitor)
    try:
        yield monitor
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)
        pulumi.runtime.set_all_config({}, [])
        pulumi.runtime.reset_options()
