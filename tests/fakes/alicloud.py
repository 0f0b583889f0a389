"""A small test double for the ``alicloud`` provider plugin, served over the real gRPC protocol.

The stack uses it for RAM only (the role and the per-region send policies and attachments);
those resources are echoed (inputs become outputs). Every call is appended to the JSON-lines
file named by ``FAKE_ALICLOUD_LOG`` for assertions, ``configure`` included: the credentials
the provider was configured with, redacted (the key id, and a fingerprint of the secret).

Like RAM, the double remembers the roles of its account across runs (``<log>.roles.json``):
creating a role that exists fails with ``EntityAlreadyExists.Role``, ``getRoles`` finds it,
a read without state imports it, and a delete removes it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import main

from components.core.fingerprint import fingerprint

OUTPUT_ONLY = {"arn"}
ROLE = "alicloud:ram/role:Role"
GET_ROLES = "alicloud:ram/getRoles:getRoles"
CREDENTIALS = ("accessKey", "secretKey", "securityToken", "profile", "ecsRoleName")
SECRETS = {"secretKey", "securityToken"}
REPLACE_KEYS = {
    "alicloud:ram/policy:Policy": {"policyName"},
    "alicloud:ram/role:Role": {"roleName"},
    "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment": {
        "policyName",
        "policyType",
        "roleName",
    },
}


def plain(value: PropertyValue) -> Any:
    """Unwrap a property value into plain Python data (secrets unwrapped)."""
    inner = value.value
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    return inner


def wrap(value: Any) -> PropertyValue:
    """Wrap plain Python data into a property value."""
    if isinstance(value, Mapping):
        return PropertyValue({k: wrap(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([wrap(v) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)


def resource_type(urn: str) -> str:
    """The resource's own type token (a URN carries its parents' types before ``$``)."""
    return urn.split("::")[-2].rsplit("$", 1)[-1]


def record(call: str, type_: str, props: Mapping[str, Any]) -> None:
    """Append one call to the log named by FAKE_ALICLOUD_LOG."""
    path = os.environ.get("FAKE_ALICLOUD_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"call": call, "type": type_, "props": props}, default=str) + "\n")


def _roles_file() -> Path | None:
    path = os.environ.get("FAKE_ALICLOUD_LOG")
    return Path(f"{path}.roles.json") if path else None


def roles() -> dict[str, dict[str, Any]]:
    """The account's roles by name (what RAM would list)."""
    path = _roles_file()
    if path is None or not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def save_roles(account: Mapping[str, Mapping[str, Any]]) -> None:
    path = _roles_file()
    if path is not None:
        path.write_text(json.dumps(account, default=str), encoding="utf-8")


def redacted_credentials(settings: Mapping[str, Any]) -> dict[str, Any]:
    """What the provider was configured with: names and key id as they are, secrets as a
    fingerprint (never the value)."""
    return {
        name: fingerprint(str(value)) if name in SECRETS else value
        for name, value in settings.items()
        if name in CREDENTIALS and value not in (None, "")
    }


class FakeAlicloud(p.Provider):
    """Echo provider for the RAM resources."""

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        settings = {k: plain(v) for k, v in request.args.items()}
        for name in CREDENTIALS:  # older engines send variables instead of args
            settings.setdefault(name, request.variables.get(f"alicloud:config:{name}"))
        record("configure", "pulumi:providers:alicloud", redacted_credentials(settings))
        return p.ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        if request.tok != GET_ROLES:
            raise NotImplementedError(f"the alicloud test double has no function {request.tok}")
        args = {k: plain(v) for k, v in request.args.items()}
        pattern = re.compile(str(args.get("nameRegex") or ".*"))
        found = [
            {
                "id": name,
                "name": name,
                "arn": role.get("arn", ""),
                "assumeRolePolicyDocument": role.get("assumeRolePolicyDocument", ""),
                "document": role.get("assumeRolePolicyDocument", ""),
                "description": role.get("description", ""),
                "createDate": "",
                "updateDate": "",
                "tags": {},
            }
            for name, role in sorted(roles().items())
            if pattern.search(name)
        ]
        record("invoke", request.tok, args)
        return p.InvokeResponse(
            return_value={
                "roles": wrap(found),
                "names": wrap([r["name"] for r in found]),
                "ids": wrap([r["id"] for r in found]),
                "id": wrap("roles"),
            }
        )

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        return p.CheckResponse(inputs=request.new_inputs)

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        olds = {k: plain(v) for k, v in request.old_state.items()}
        news = {k: plain(v) for k, v in request.new_inputs.items()}
        inputs = olds.keys() - OUTPUT_ONLY
        changed = sorted(k for k in inputs | news.keys() if olds.get(k) != news.get(k))
        replaces = [k for k in changed if k in REPLACE_KEYS.get(resource_type(request.urn), set())]
        return p.DiffResponse(changes=bool(changed), replaces=replaces, diffs=changed)

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        props = {k: plain(v) for k, v in request.properties.items()}
        record("create", resource_type(request.urn), props)
        if resource_type(request.urn) == ROLE and props.get("roleName") in roles():
            raise RuntimeError(
                f"EntityAlreadyExists.Role: The role already exists: {props['roleName']}"
            )
        if request.preview:
            return p.CreateResponse(resource_id="", properties=request.properties)
        outs = dict(props)
        if resource_type(request.urn) == ROLE:
            outs["arn"] = f"acs:ram::1234567890123456:role/{props['roleName']}"
            rid = str(props["roleName"])
            save_roles(roles() | {rid: outs})
        elif resource_type(request.urn) == "alicloud:ram/policy:Policy":
            rid = str(props["policyName"])
        else:
            rid = ":".join(
                ["role", str(props["policyName"]), str(props["policyType"]), str(props["roleName"])]
            )
        return p.CreateResponse(resource_id=rid, properties={k: wrap(v) for k, v in outs.items()})

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        news = {k: plain(v) for k, v in request.news.items()}
        record("update", resource_type(request.urn), news)
        olds = {k: plain(v) for k, v in request.olds.items()}
        outs = {**{k: v for k, v in olds.items() if k in OUTPUT_ONLY}, **news}
        return p.UpdateResponse(properties={k: wrap(v) for k, v in outs.items()})

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        if resource_type(request.urn) == ROLE and not request.properties:  # an import
            record("read", ROLE, {"id": request.resource_id})
            role = roles().get(request.resource_id)
            if role is None:
                return p.ReadResponse(resource_id="")
            state = {k: wrap(v) for k, v in role.items()}
            inputs = {k: v for k, v in state.items() if k not in OUTPUT_ONLY}
            return p.ReadResponse(resource_id=request.resource_id, properties=state, inputs=inputs)
        return p.ReadResponse(
            resource_id=request.resource_id,
            properties=request.properties,
            inputs=request.inputs,
        )

    async def delete(self, request: p.DeleteRequest) -> None:
        props = {k: plain(v) for k, v in request.properties.items()}
        record("delete", resource_type(request.urn), props)
        if resource_type(request.urn) == ROLE:
            save_roles({k: v for k, v in roles().items() if k != request.resource_id})


if __name__ == "__main__":
    main(sys.argv[1:], "4.0.0", FakeAlicloud())
