"""Shared helpers for the native ``ims`` provider's tests.

The provider is driven the way the engine drives it: ``ImsProvider`` configured with the
``ims:`` settings as ``ConfigureRequest`` args, then async RPCs with ``PropertyValue`` maps.
The unit tests of ``check``/``diff`` need no emulator; the CRUD tests share one emulator per
module and reset its state for every test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator, Mapping
from typing import Any, TypeVar

import pytest
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from components.core.schema_fields import CALLBACK_QUEUE, EVENT_CALLBACK, IMS_CALLBACKS
from components.provider.properties import plain_map, wrap_map
from components.provider.provider import ImsProvider
from components.pulumi_layer.region import TYPE as REGION_COMPONENT_TYPE
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess, start_emulator
from tests.hermetic import hermetic_env

T = TypeVar("T")
CALLBACK_TYPE = EVENT_CALLBACK.token
QUEUE_TYPE = CALLBACK_QUEUE.token
COMPONENT_TYPE = IMS_CALLBACKS.token
__all__ = ["hermetic_env"]


@pytest.fixture(scope="module")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One emulator per test module (tests reset its state)."""
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as emu:
        yield emu


def run(coro: Coroutine[Any, Any, T]) -> T:
    """One RPC, on its own event loop (the engine's calls are independent)."""
    return asyncio.run(coro)


def urn(type_token: str, name: str) -> str:
    """The URN of a resource of ``type_token`` inside the stack's components."""
    parents = f"{COMPONENT_TYPE}${REGION_COMPONENT_TYPE}$"
    return f"urn:pulumi:t::ims-callbacks::{parents}{type_token}::{name}"


CALLBACK_URN = urn(CALLBACK_TYPE, "ims-callbacks-cn-shanghai-callback")
QUEUE_URN = urn(QUEUE_TYPE, "ims-callbacks-cn-shanghai-queue")
MNS_REGION = "cn-shanghai"
HTTP_REGION = "cn-beijing"
QUEUE = "ice-callback-provider-test"
URL = "https://hooks.example.com/ims"
EVENTS = ["ProduceMediaComplete", "FileUploadComplete"]
KEY = "Configured0Key42"


def mns_inputs(**changes: Any) -> dict[str, Any]:
    """What ``EventCallback`` registers for an MNS region (``authKey`` None: not configured)."""
    values = {
        "region": MNS_REGION,
        "callbackType": "MNS",
        "url": "",
        "queueName": QUEUE,
        "events": list(EVENTS),
        "authEnabled": False,
        "authKey": None,
        "adopt": False,
        "onDelete": "restore",
        "checkQueue": False,
        "previous": None,
        "authKeyGenerated": None,
    }
    return values | changes


def http_inputs(**changes: Any) -> dict[str, Any]:
    """An HTTP region with a configured key (pass ``authKey=None`` to have one generated)."""
    values = mns_inputs(region=HTTP_REGION, callbackType="HTTP", url=URL, queueName="")
    return values | {"authEnabled": True, "authKey": KEY} | changes


def settings(emu: EmulatorProcess) -> dict[str, PropertyValue]:
    """Provider config as the engine sends it: ``ims:emulator`` and the credentials."""
    return {
        "emulator": PropertyValue(emu.base_url),
        "accessKey": PropertyValue(DEFAULT_ACCESS_KEY_ID),
        "secretKey": PropertyValue(DEFAULT_ACCESS_KEY_SECRET, is_secret=True),
    }


def configured(emu: EmulatorProcess) -> ImsProvider:
    """A provider after ``Configure`` against the emulator."""
    provider = ImsProvider()
    run(provider.configure(p.ConfigureRequest({}, settings(emu), True, True)))
    return provider


def props(values: Mapping[str, Any], secrets: tuple[str, ...] = ()) -> dict[str, PropertyValue]:
    """Plain values as a property map (``secrets`` become secret values)."""
    return wrap_map(values, secrets)


def unwrap(values: Mapping[str, PropertyValue] | None) -> dict[str, Any]:
    """A property map as plain values (numbers that are whole become ints)."""
    return plain_map(values or {})


def secret_keys(values: Mapping[str, PropertyValue] | None) -> set[str]:
    """The keys whose values are flagged secret."""
    return {k for k, v in (values or {}).items() if v.is_secret}
