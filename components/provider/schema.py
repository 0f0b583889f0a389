"""The ``ims`` package schema: provider config, the two resources and the component.

SDKs for other languages are generated from it (``pulumi package gen-sdk``), and ``pulumi
import`` uses it to write the code of an imported resource (``authKey`` stays a secret there).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from components.aliyun.credentials import CREDENTIAL_SETTINGS, SECRET_SETTINGS
from components.core.schema_fields import RESOURCES
from components.core.schema_types import (
    PACKAGE,
    EnumType,
    Field,
    ObjectType,
    Primitive,
    Resource,
    token,
    types_of,
)
from components.version import VERSION


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _reference(kind: Primitive | EnumType | ObjectType) -> dict[str, Any]:
    if isinstance(kind, EnumType | ObjectType):
        return {"$ref": f"#/types/{token(kind.name)}"}
    return {"$ref": "pulumi.json#/Any"} if kind == "any" else {"type": kind}


def _property(field: Field) -> dict[str, Any]:
    """One property of the table as a schema property."""
    item = _reference(field.type)
    if field.container == "array":
        spec = {"type": "array", "items": item}
    elif field.container == "map":
        spec = {"type": "object", "additionalProperties": item}
    else:
        spec = item
    return spec | {"description": field.doc} | ({"secret": True} if field.secret else {})


def _properties(fields: Iterable[Field]) -> dict[str, dict[str, Any]]:
    return {field.name: _property(field) for field in fields}


def _type(kind: EnumType | ObjectType) -> dict[str, Any]:
    """One enum or object type of the table as a schema type."""
    if isinstance(kind, EnumType):
        values = [
            {"value": v.value, "name": v.name, "description": v.description}
            | ({"deprecationMessage": v.deprecated} if v.deprecated else {})
            for v in kind.values
        ]
        return {"type": "string", "description": kind.description, "enum": values}
    required = [f.name for f in kind.fields if f.required]
    return {
        "type": "object",
        "description": kind.description,
        "properties": _properties(kind.fields),
    } | ({"required": required} if required else {})


def _resource(resource: Resource) -> dict[str, Any]:
    """One resource of the table: a custom resource's state is its inputs and its outputs, a
    component's only its outputs; every state property is always set."""
    state = _properties(
        resource.outputs if resource.component else (*resource.inputs, *resource.outputs)
    )
    return ({"isComponent": True} if resource.component else {}) | {
        "description": resource.description,
        "inputProperties": _properties(resource.inputs),
        "requiredInputs": [f.name for f in resource.inputs if f.required],
        "properties": state,
        "required": sorted(state),
    }


def schema() -> dict[str, Any]:
    """The package schema as a dict."""
    config = {
        "emulator": _string("Loopback URL of the local IMS/MNS emulator; unset for the cloud.")
    }
    config["retryAttempts"] = {
        "type": "integer",
        "description": "Attempts per API call for throttling, 5xx and dropped connections "
        "(default 10).",
    }
    for name in CREDENTIAL_SETTINGS:
        config[name] = _string(
            f"Credential chain setting {name} (like alicloud:{name}); environment variables "
            "and profiles work as well.",
            **({"secret": True} if name in SECRET_SETTINGS else {}),
        )
    return {
        "name": PACKAGE,
        "version": VERSION,
        "displayName": "IMS event callbacks",
        "description": "Alibaba Cloud Intelligent Media Services (ICE) event callbacks.",
        "config": {"variables": config},
        "provider": {"description": "The ims provider.", "inputProperties": config},
        "resources": {r.token: _resource(r) for r in RESOURCES},
        "types": {
            token(kind.name): _type(kind)
            for kind in types_of(field for r in RESOURCES for field in (*r.inputs, *r.outputs))
        },
        "language": {
            "python": {"packageName": "pulumi_ims", "respectSchemaVersion": True},
            "nodejs": {"packageName": "@ims-callbacks/ims", "respectSchemaVersion": True},
        },
    }


def schema_json() -> str:
    """The schema as the JSON text ``GetSchema`` returns."""
    return json.dumps(schema(), indent=2, sort_keys=True)
