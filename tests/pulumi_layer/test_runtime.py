"""What every dynamic provider here shares (components/pulumi_layer/runtime.py)."""

from __future__ import annotations

import dill  # type: ignore[import-untyped]
import pytest

from components.pulumi_layer.provider import EventCallbackProvider
from components.pulumi_layer.queue import QueueProvider
from components.pulumi_layer.runtime import RuntimeProvider
from tests.pulumi_layer.conftest import configured, pickled

PROVIDERS = [EventCallbackProvider, QueueProvider]


@pytest.mark.parametrize("cls", PROVIDERS)
def test_serialized_provider_is_a_small_reference(cls: type[RuntimeProvider]):
    payload = pickled(cls())
    assert len(payload) < 256
    assert cls.__module__.encode() in payload  # by reference, not by value
    assert cls.__name__.encode() in payload
    restored = dill.loads(payload)  # noqa: S301 - our own bytes
    assert type(restored) is cls
    assert restored._runtime is None


@pytest.mark.parametrize("cls", PROVIDERS)
def test_configured_provider_pickles_without_its_runtime(
    cls: type[RuntimeProvider], emulator_process
):
    provider = configured(cls(), emulator_process)
    assert provider.runtime.stack_config  # configured: it holds the emulator and credentials
    assert pickled(provider) == pickled(cls())
