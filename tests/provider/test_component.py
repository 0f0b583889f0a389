"""The ``regions`` output ``Construct`` returns: one ``RegionOutput`` per region, only the
auth key secret (and every auth key secret)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pytest
from pulumi.errors import InputPropertiesError
from pulumi.provider.experimental.property_value import PropertyValue

from components.core.schema_fields import REGION_OUTPUT
from components.core.stack_config import load_settings
from components.provider.component import component_settings, region_outputs
from components.pulumi_layer.account import ImsCallbacks
from tests.pulumi_layer.pulumi_mocks import GENERATED_KEY, PROJECT, STACK, pulumi_mocks

KEY = "Configured0Key42"
CALLBACKS = {
    "defaults": {"events": ["FileUploadComplete"]},
    "regions": {
        "cn-shanghai": {"delivery": "mns", "queue": {"name": "ice-callback-construct"}},
        "cn-beijing": {"delivery": "http", "url": "https://hooks.example.com/bj"},
        "cn-hangzhou": {
            "delivery": "http",
            "url": "https://hooks.example.com/hz",
            "auth": {"key": KEY},
        },
        "cn-shenzhen": {
            "delivery": "http",
            "url": "https://hooks.example.com/sz",
            "auth": {"enabled": False},
        },
    },
    "grant": {"mode": "skip"},
}


def secrets(value: PropertyValue, path: str = "") -> Iterator[str]:
    """The paths of the secret values in a property value."""
    if value.is_secret:
        yield path
    if isinstance(value.value, Mapping):
        for key, item in value.value.items():
            yield from secrets(item, f"{path}/{key}")


def plain(value: PropertyValue) -> Any:
    inner = value.value
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    return inner


@dataclass(frozen=True)
class Declared:
    component_keys: dict[str, list[str]]
    """Per region, the keys of the component's own outputs."""
    regions: PropertyValue
    """What Construct returns as ``regions``."""


@pytest.fixture(scope="module")
def declared() -> Declared:
    """The component declared from CALLBACKS under mocks, and its ``regions`` output."""
    settings, _ = load_settings(
        {"ims-callbacks:callbacks": CALLBACKS}, project=PROJECT, stack=STACK
    )
    holder: dict[str, Declared] = {}
    with pulumi_mocks():

        @pulumi.runtime.test
        def program() -> pulumi.Output[Any]:
            component = ImsCallbacks("construct", settings)
            keys = {region: list(values) for region, values in component.outputs.items()}

            async def collect() -> None:
                holder["it"] = Declared(keys, await region_outputs(component.outputs))

            return pulumi.Output.from_input(collect())

        program()
    return holder["it"]


def test_the_component_outputs_exactly_the_fields_of_region_output(declared):
    names = [f.name for f in REGION_OUTPUT.fields]
    assert declared.component_keys == dict.fromkeys(CALLBACKS["regions"], names)
    assert {region: list(value) for region, value in plain(declared.regions).items()} == (
        declared.component_keys
    )


def test_only_the_auth_keys_are_secret(declared):
    assert set(secrets(declared.regions)) == {"/cn-beijing/authKey", "/cn-hangzhou/authKey"}
    values = plain(declared.regions)
    assert values["cn-hangzhou"]["authKey"] == KEY
    assert values["cn-beijing"]["authKey"] == GENERATED_KEY
    assert values["cn-shanghai"] == {
        "delivery": "MNS",
        "url": None,
        "queueName": "ice-callback-construct",
        "events": ["FileUploadComplete"],
        "authKey": None,
        "onDelete": "restore",
    }


def output(value: Any, *, known: bool = True, secret: bool = False) -> pulumi.Output[Any]:
    """An Output as a resource gives it (call inside a running event loop)."""
    futures = [asyncio.get_running_loop().create_future() for _ in range(3)]
    for future, result in zip(futures, (value, known, secret), strict=True):
        future.set_result(result)
    return pulumi.Output(set(), *futures)


def test_a_key_that_is_not_a_secret_output_is_made_secret_and_a_secret_stays_one():
    async def shaped() -> PropertyValue:
        return await region_outputs(
            {
                "cn-beijing": {
                    "delivery": "HTTP",
                    "url": output("https://hooks.example.com/bj", secret=True),
                    "authKey": output(KEY),
                },
                "cn-hangzhou": {"delivery": "HTTP", "authKey": output(None, known=False)},
            }
        )

    regions = asyncio.run(shaped())
    assert set(secrets(regions)) == {
        "/cn-beijing/url",
        "/cn-beijing/authKey",
        "/cn-hangzhou/authKey",
    }
    assert plain(regions)["cn-beijing"]["authKey"] == KEY


def value(tree: Any, secret: frozenset[str] = frozenset(), path: str = "") -> PropertyValue:
    """``tree`` as the engine sends it; the values at the paths in ``secret`` are secret."""
    if isinstance(tree, Mapping):
        wrapped = PropertyValue({k: value(v, secret, f"{path}/{k}") for k, v in tree.items()})
    elif isinstance(tree, list):
        wrapped = PropertyValue([value(v, secret, path) for v in tree])
    else:
        wrapped = PropertyValue(tree)
    return wrapped.with_secret(path in secret)


def test_typed_inputs_load_like_the_stack_config_with_a_secret_key():
    typed = {
        "defaults": {"events": ["FileUploadComplete", "MediaConvertComplete"], "onDelete": "reset"},
        "regions": {
            "cn-hangzhou": {
                "delivery": "http",
                "url": "https://hooks.example.com/hz",
                "auth": {"enabled": True, "key": KEY},
            },
            "cn-shanghai": {
                "delivery": "mns",
                "queue": {"name": "ice-callback-typed", "retentionSeconds": 86400.0},
            },
        },
        "grant": {"mode": "create-role", "roleName": "ImsWriter"},
    }
    inputs = {"callbacks": value(typed, frozenset({"/regions/cn-hangzhou/auth/key"}))}
    with pulumi_mocks():
        settings = component_settings(inputs)
    hangzhou, shanghai = settings.regions
    assert hangzhou.auth_key is not None
    assert hangzhou.auth_key.get_secret_value() == KEY
    assert (hangzhou.on_delete, hangzhou.events) == (
        "reset",
        ("FileUploadComplete", "MediaConvertComplete"),
    )
    assert shanghai.queue is not None
    assert (shanghai.queue.name, shanghai.queue.retention_seconds) == ("ice-callback-typed", 86400)
    assert (settings.grant.mode, settings.grant.role_name) == ("create-role", "ImsWriter")


def test_a_value_outside_the_enum_fails_on_its_property_path():
    typed = {"regions": {"cn-beijing": {"delivery": "sms", "events": ["FileUploadComplete"]}}}
    with pulumi_mocks(), pytest.raises(InputPropertiesError) as err:
        component_settings({"callbacks": value(typed)})
    assert [(e["property_path"], e["reason"]) for e in err.value.errors] == [
        ("callbacks.regions.cn-beijing.delivery", "must be one of mns, http (got 'sms')")
    ]
