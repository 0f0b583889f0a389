"""The field tables (components/core/schema_fields.py) are what the stack config enforces."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ValidationError

from components.core.callback import CALLBACK_TYPES
from components.core.compare import QUEUE_ATTRIBUTES
from components.core.errors import ConfigError
from components.core.events import CATALOGUE, EVENT_NAMES
from components.core.models import (
    AuthConfig,
    GrantSettings,
    QueueConfig,
    QueueSettings,
    QueueValues,
    RegionConfig,
    RegionFields,
)
from components.core.schema_fields import (
    AUTH,
    CALLBACK_TYPE_ENUM,
    CALLBACKS,
    DELIVERY_ENUM,
    EVENT_CALLBACK,
    EVENT_NAME_ENUM,
    GRANT,
    GRANT_MODE_ENUM,
    IMS_CALLBACKS,
    ON_DELETE_ENUM,
    QUEUE,
    QUEUE_ATTRIBUTE_FIELDS,
    QUEUE_BOUNDS,
    REGION,
    REGION_OUTPUT,
)
from components.core.schema_types import (
    EnumValue,
    ObjectType,
    enum_of,
    property_names,
    secret_names,
    types_of,
)
from components.core.stack_config import load_settings

BOUNDED = [f for f in QUEUE_ATTRIBUTE_FIELDS if f.bounds]
MODELS: list[tuple[ObjectType, type[BaseModel]]] = [
    (REGION, RegionFields),
    (AUTH, AuthConfig),
    (QUEUE, QueueConfig),
    (GRANT, GrantSettings),
]


def test_queue_attributes_have_the_documented_bounds_and_defaults():
    assert {f.name: (f.bounds.low, f.bounds.high, f.bounds.default) for f in BOUNDED} == {
        "retentionSeconds": (60, 604800, 345600),
        "visibilityTimeoutSeconds": (1, 43200, 30),
        "pollingWaitSeconds": (0, 30, 0),
        "maxMessageBytes": (1024, 65536, 65536),
        "delaySeconds": (0, 604800, 0),
    }
    assert [f.name for f in QUEUE_ATTRIBUTE_FIELDS][-1] == "logging"


@pytest.mark.parametrize("field", BOUNDED, ids=lambda f: f.name)
def test_the_stack_config_enforces_the_tables_bounds(field):
    bounds = field.bounds
    assert getattr(QueueConfig(), field.snake) == bounds.default
    for ok in (bounds.low, bounds.high, str(bounds.high)):
        assert getattr(QueueConfig.model_validate({field.name: ok}), field.snake) == int(ok)
    for bad in (bounds.low - 1, bounds.high + 1):
        with pytest.raises(ValidationError) as err:
            QueueConfig.model_validate({field.name: bad})
        message = err.value.errors()[0]["msg"]
        assert f"{bounds.unit} from {bounds.low} to {bounds.high} (got {bad})" in message


def test_a_config_error_quotes_the_tables_bounds():
    config = {
        "ims-callbacks:callbacks": {
            "regions": {
                "cn-shanghai": {
                    "delivery": "mns",
                    "events": ["FileUploadComplete"],
                    "queue": {"pollingWaitSeconds": 31},
                }
            }
        }
    }
    with pytest.raises(ConfigError) as err:
        load_settings(config, project="p", stack="s")
    bounds = QUEUE_BOUNDS["polling_wait_seconds"]
    assert f"from {bounds.low} to {bounds.high}" in str(err.value)
    assert "callbacks.regions.cn-shanghai.queue.pollingWaitSeconds" in str(err.value)


@pytest.mark.parametrize(("table", "model"), MODELS, ids=[t.name for t, _ in MODELS])
def test_component_types_are_the_stack_config_keys(table, model):
    assert [(f.name, f.snake) for f in table.fields] == [
        (info.alias, name) for name, info in model.model_fields.items()
    ]


@pytest.mark.parametrize(("table", "model"), MODELS, ids=[t.name for t, _ in MODELS])
def test_table_defaults_are_the_models_defaults(table, model):
    for field in table.fields:
        actual = model.model_fields[field.snake].get_default(call_default_factory=True)
        expected = field.bounds.default if field.bounds else field.default
        assert actual == expected or (expected is None and actual in (None, {})), field.name


def test_callbacks_type_holds_the_top_level_keys():
    assert property_names(CALLBACKS.fields) == {
        "defaults": "defaults",
        "regions": "regions",
        "grant": "grant",
    }
    config = {"ims-callbacks:callbacks": {"region": {}}}
    with pytest.raises(ConfigError, match=r"valid: defaults, grant, regions"):
        load_settings(config, project="p", stack="s")


def test_queue_attribute_mapping_comes_from_the_table():
    assert {f.name: f.snake for f in QUEUE_ATTRIBUTE_FIELDS} == QUEUE_ATTRIBUTES
    assert set(QUEUE_ATTRIBUTES.values()) <= {f.name for f in dataclass_fields(QueueSettings)}
    assert QUEUE_ATTRIBUTES["maxMessageBytes"] == "max_message_bytes"


ENUMS: list[tuple[Any, tuple[str, ...]]] = [
    (DELIVERY_ENUM, ("mns", "http")),
    (CALLBACK_TYPE_ENUM, ("HTTP", "MNS")),
    (ON_DELETE_ENUM, ("restore", "reset", "retain")),
    (GRANT_MODE_ENUM, ("attach", "create-role", "skip")),
]


@pytest.mark.parametrize(("enum", "values"), ENUMS, ids=[e.name for e, _ in ENUMS])
def test_enums_hold_exactly_the_allowed_values(enum, values):
    assert enum.allowed == values
    assert all(v.description for v in enum.values)


def test_callback_types_are_the_enums():
    assert CALLBACK_TYPE_ENUM.allowed == CALLBACK_TYPES


def test_event_name_enum_is_the_catalogue():
    assert set(EVENT_NAME_ENUM.allowed) == EVENT_NAMES
    assert len(EVENT_NAME_ENUM.allowed) == len(CATALOGUE) == 28
    deprecated = {v.value for v in EVENT_NAME_ENUM.values if v.deprecated}
    assert deprecated == {"TranscodeComplete", "TranscodeParentComplete"}


MODEL_CHOICES = [
    (RegionFields, "delivery", DELIVERY_ENUM),
    (RegionFields, "onDelete", ON_DELETE_ENUM),
    (GrantSettings, "mode", GRANT_MODE_ENUM),
]


@pytest.mark.parametrize(
    ("model", "key", "enum"), MODEL_CHOICES, ids=[k for _, k, _ in MODEL_CHOICES]
)
def test_the_stack_config_accepts_exactly_the_enum_values(model, key, enum):
    attr = property_names((*REGION.fields, *GRANT.fields))[key]
    for value in enum.allowed:
        assert getattr(model.model_validate({key: value.upper()}), attr) == value
    with pytest.raises(ValidationError) as err:
        model.model_validate({key: "other"})
    assert f"must be one of {', '.join(enum.allowed)}" in err.value.errors()[0]["msg"]


def test_region_config_requires_delivery_and_events_the_table_leaves_optional():
    assert not any(f.required for f in REGION.fields)
    required = {name for name, info in RegionConfig.model_fields.items() if info.is_required()}
    assert required == {"delivery", "events"}


def test_only_keys_and_the_recorded_setting_are_secret():
    assert secret_names((*EVENT_CALLBACK.inputs, *EVENT_CALLBACK.outputs)) == (
        "authKey",
        "previous",
    )
    assert secret_names(AUTH.fields) == ("key",)
    assert secret_names(REGION_OUTPUT.fields) == ("authKey",)
    assert secret_names(QUEUE.fields) == secret_names(REGION.fields) == ()


def test_types_of_walks_every_type_once():
    names = [t.name for t in types_of((*IMS_CALLBACKS.inputs, *IMS_CALLBACKS.outputs))]
    assert names == [
        "Callbacks",
        "Region",
        "Delivery",
        "EventName",
        "Auth",
        "Queue",
        "OnDelete",
        "Grant",
        "GrantMode",
        "RegionOutput",
        "CallbackType",
    ]


def test_doc_carries_bounds_and_defaults():
    retention = QUEUE_ATTRIBUTE_FIELDS[0]
    assert retention.doc.endswith("From 60 to 604800 seconds; default 345600.")
    on_delete = REGION.fields[-1]
    assert on_delete.doc.endswith('Default: "restore".')


def test_enum_value_names_are_pascal_case():
    assert [v.name for v in GRANT_MODE_ENUM.values] == ["Attach", "CreateRole", "Skip"]
    assert EnumValue("HTTP", "").name == "HTTP"


def test_an_enum_must_describe_exactly_its_literal_values():
    with pytest.raises(ValueError, match="describe exactly"):
        enum_of("X", "x", Literal["a", "b"], {"a": "only a"})


def test_queue_values_are_the_tables_queue_attributes() -> None:
    names = [f.name for f in dataclass_fields(QueueValues)]
    assert names == [f.snake for f in QUEUE_ATTRIBUTE_FIELDS]
