"""The package schema is produced by the field tables and is a valid Pulumi package schema.

``data/pulumi-package-metaschema.json`` is Pulumi's own metaschema
(``pkg/codegen/schema/pulumi.json`` of github.com/pulumi/pulumi/pkg/v3 v3.274.1, Apache-2.0),
the rules ``pulumi package gen-sdk`` checks a schema against before anything else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pulumi.provider.experimental import provider as p

from components.core.events import CATALOGUE
from components.core.schema_fields import QUEUE_ATTRIBUTE_FIELDS, RESOURCES
from components.core.schema_types import EnumType, Field, ObjectType, token, types_of
from components.provider.event_callback import CallbackInputs
from components.provider.provider import ImsProvider
from components.provider.schema import schema, schema_json
from tests.provider.conftest import (
    CALLBACK_TYPE,
    COMPONENT_TYPE,
    QUEUE,
    QUEUE_TYPE,
    QUEUE_URN,
    props,
    run,
)

METASCHEMA = Path(__file__).parent / "data" / "pulumi-package-metaschema.json"
SCHEMA = schema()
ALL_FIELDS = [f for r in RESOURCES for f in (*r.inputs, *r.outputs)]
TYPES = list(types_of(ALL_FIELDS))


def metaschema_validator() -> jsonschema.Draft202012Validator:
    """Pulumi's metaschema; its ECMAScript named groups ``(?<name>`` in Python's spelling."""
    text = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", METASCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(json.loads(text))


def refs(tree: Any) -> Iterator[str]:
    """Every ``$ref`` in a schema tree."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from refs(item)


def test_the_schema_is_a_valid_pulumi_package_schema():
    errors = [e.message for e in metaschema_validator().iter_errors(json.loads(schema_json()))]
    assert errors == []


def test_the_metaschema_catches_a_malformed_property():
    broken = json.loads(schema_json())
    broken["types"][token("Region")]["properties"]["events"]["type"] = "list"
    assert list(metaschema_validator().iter_errors(broken))


def test_every_reference_names_a_type_of_the_package():
    found = set(refs(SCHEMA))
    local = {r.removeprefix("#/types/") for r in found if r.startswith("#/types/")}
    assert found - {f"#/types/{t}" for t in local} == {"pulumi.json#/Any"}
    assert local == set(SCHEMA["types"])


def test_the_package_has_the_three_resources_and_the_tables_types():
    assert set(SCHEMA["resources"]) == {CALLBACK_TYPE, QUEUE_TYPE, COMPONENT_TYPE}
    assert set(SCHEMA["types"]) == {
        f"ims:index:{name}"
        for name in (
            "Auth",
            "CallbackType",
            "Callbacks",
            "Delivery",
            "EventName",
            "Grant",
            "GrantMode",
            "OnDelete",
            "Queue",
            "Region",
            "RegionOutput",
        )
    }


def expected_property(field: Field) -> dict[str, Any]:
    """What the table says a property must look like."""
    kind = field.type
    if isinstance(kind, EnumType | ObjectType):
        item: dict[str, Any] = {"$ref": f"#/types/ims:index:{kind.name}"}
    else:
        item = {"$ref": "pulumi.json#/Any"} if kind == "any" else {"type": kind}
    if field.container == "array":
        item = {"type": "array", "items": item}
    elif field.container == "map":
        item = {"type": "object", "additionalProperties": item}
    return item | {"description": field.doc} | ({"secret": True} if field.secret else {})


def table_properties() -> Iterator[tuple[str, Field, dict[str, Any]]]:
    """(where, field, schema property) for every field of every table."""
    for resource in RESOURCES:
        spec = SCHEMA["resources"][token(resource.name)]
        for field in resource.inputs:
            yield f"{resource.name}.{field.name}", field, spec["inputProperties"][field.name]
        for field in resource.outputs:
            yield f"{resource.name}.{field.name}", field, spec["properties"][field.name]
    for kind in TYPES:
        if isinstance(kind, ObjectType):
            for field in kind.fields:
                where = f"{kind.name}.{field.name}"
                yield where, field, SCHEMA["types"][token(kind.name)]["properties"][field.name]


@pytest.mark.parametrize(("field", "spec"), [x[1:] for x in table_properties()],
                         ids=[x[0] for x in table_properties()])  # fmt: skip
def test_every_table_field_is_in_the_schema(field, spec):
    assert spec == expected_property(field)


def test_the_schema_holds_no_other_property():
    counted = len(list(table_properties()))
    in_schema = sum(len(r["inputProperties"]) for r in SCHEMA["resources"].values())
    in_schema += sum(
        len(r["properties"]) - len(r["inputProperties"])
        for r in SCHEMA["resources"].values()
        if not r.get("isComponent")
    )
    in_schema += len(SCHEMA["resources"][COMPONENT_TYPE]["properties"])
    in_schema += sum(len(t.get("properties", {})) for t in SCHEMA["types"].values())
    assert in_schema == counted


def test_queue_bounds_are_in_the_descriptions():
    queue = SCHEMA["resources"][QUEUE_TYPE]["inputProperties"]
    assert "From 60 to 604800 seconds; default 345600." in queue["retentionSeconds"]["description"]
    assert "From 1024 to 65536 bytes" in queue["maxMessageBytes"]["description"]
    nested = SCHEMA["types"][token("Queue")]["properties"]
    assert nested["pollingWaitSeconds"] == queue["pollingWaitSeconds"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/types/ims:index:{name}"}


def shape(properties: dict[str, Any]) -> dict[str, Any]:
    """Properties without their descriptions."""
    return {k: {x: y for x, y in v.items() if x != "description"} for k, v in properties.items()}


def test_the_component_takes_typed_callbacks_and_gives_typed_regions():
    component = SCHEMA["resources"][COMPONENT_TYPE]
    types = SCHEMA["types"]
    assert component["isComponent"] is True
    assert shape(component["inputProperties"]) == {"callbacks": ref("Callbacks")}
    assert component["requiredInputs"] == ["callbacks"]
    assert shape(component["properties"]) == {
        "regions": {"type": "object", "additionalProperties": ref("RegionOutput")}
    }
    assert shape(types[token("Callbacks")]["properties"]) == {
        "defaults": ref("Region"),
        "regions": {"type": "object", "additionalProperties": ref("Region")},
        "grant": ref("Grant"),
    }
    assert types[token("Callbacks")]["required"] == ["regions"]
    assert shape(types[token("Region")]["properties"]) == {
        "delivery": ref("Delivery"),
        "events": {"type": "array", "items": ref("EventName")},
        "allowInsecureHttp": {"type": "boolean"},
        "url": {"type": "string"},
        "auth": ref("Auth"),
        "queue": ref("Queue"),
        "adopt": {"type": "boolean"},
        "onDelete": ref("OnDelete"),
    }
    assert shape(types[token("Auth")]["properties"]) == {
        "enabled": {"type": "boolean"},
        "key": {"type": "string", "secret": True},
    }
    assert shape(types[token("Queue")]["properties"]) == {
        "name": {"type": "string"},
        "existing": {"type": "boolean"},
        **{f.name: {"type": f.type} for f in QUEUE_ATTRIBUTE_FIELDS},
        "tags": {"type": "object", "additionalProperties": {"type": "string"}},
    }
    assert shape(types[token("Grant")]["properties"]) == {
        "mode": ref("GrantMode"),
        "roleName": {"type": "string"},
    }
    assert shape(types[token("RegionOutput")]["properties"]) == {
        "delivery": ref("CallbackType"),
        "url": {"type": "string"},
        "queueName": {"type": "string"},
        "events": {"type": "array", "items": ref("EventName")},
        "authKey": {"type": "string", "secret": True},
        "onDelete": ref("OnDelete"),
    }


def test_the_resources_use_the_enums():
    callback = SCHEMA["resources"][CALLBACK_TYPE]["inputProperties"]
    assert callback["callbackType"]["$ref"] == "#/types/ims:index:CallbackType"
    assert callback["onDelete"]["$ref"] == "#/types/ims:index:OnDelete"
    assert callback["events"]["items"] == ref("EventName")


def enum_values(name: str) -> list[str]:
    spec = SCHEMA["types"][token(name)]
    assert spec["type"] == "string"
    return [v["value"] for v in spec["enum"]]


def test_enums_hold_exactly_the_allowed_values():
    assert enum_values("Delivery") == ["mns", "http"]
    assert enum_values("CallbackType") == ["HTTP", "MNS"]
    assert enum_values("OnDelete") == ["restore", "reset", "retain"]
    assert enum_values("GrantMode") == ["attach", "create-role", "skip"]
    assert enum_values("EventName") == [e.name for e in CATALOGUE]


def test_enum_values_have_names_descriptions_and_deprecations():
    events = {v["value"]: v for v in SCHEMA["types"][token("EventName")]["enum"]}
    for event in CATALOGUE:
        assert events[event.name]["name"] == event.name
        assert events[event.name]["description"] == event.description
        assert events[event.name].get("deprecationMessage") == event.deprecated
    assert [v["name"] for v in SCHEMA["types"][token("GrantMode")]["enum"]] == [
        "Attach",
        "CreateRole",
        "Skip",
    ]


def secret_paths(tree: Any, path: str = "") -> Iterator[str]:
    if isinstance(tree, dict):
        if tree.get("secret") is True:
            yield path
        for key, value in tree.items():
            yield from secret_paths(value, f"{path}/{key}")


def test_only_keys_and_the_recorded_setting_are_secret():
    secret = {p for p in secret_paths(SCHEMA) if not p.startswith(("/config", "/provider"))}
    assert secret == {
        f"/resources/{CALLBACK_TYPE}/inputProperties/authKey",
        f"/resources/{CALLBACK_TYPE}/properties/authKey",
        f"/resources/{CALLBACK_TYPE}/properties/previous",
        "/types/ims:index:Auth/properties/key",
        "/types/ims:index:RegionOutput/properties/authKey",
    }


def test_callback_inputs_are_the_tables_fields():
    resource = next(r for r in RESOURCES if r.name == "EventCallback")
    names = [f.snake for f in (*resource.inputs, *resource.outputs) if f.name != "previous"]
    assert sorted(names) == sorted(CallbackInputs.__dataclass_fields__)


@pytest.mark.parametrize(
    "field", [f for f in QUEUE_ATTRIBUTE_FIELDS if f.bounds], ids=lambda f: f.name
)
def test_queue_check_quotes_the_tables_bounds(field):
    bounds = field.bounds
    inputs = {"region": "cn-shanghai", "queueName": QUEUE, field.name: bounds.high + 1}
    result = run(ImsProvider().check(p.CheckRequest(QUEUE_URN, {}, props(inputs), b"seed")))
    reasons = {f.property: f.reason for f in result.failures or []}
    assert list(reasons) == [field.name]
    quoted = f"{bounds.unit} from {bounds.low} to {bounds.high} (got {bounds.high + 1})"
    assert quoted in reasons[field.name]


def test_queue_check_reports_a_bad_name_on_queue_name():
    inputs = {"region": "cn-shanghai", "queueName": "not-ours"}
    result = run(ImsProvider().check(p.CheckRequest(QUEUE_URN, {}, props(inputs), b"seed")))
    assert [f.property for f in result.failures or []] == ["queueName"]
