"""Shared fixtures: a hermetic environment (no ambient credentials or emulator override), and
dynamic providers configured against a module-wide emulator the way the engine does it."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import TypeVar

import pulumi.dynamic as dyn
import pytest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider

from components.core.settings import EMULATOR_KEY
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess, start_emulator

P = TypeVar("P", bound=dyn.ResourceProvider)

AMBIENT = (
    "IMS_CALLBACKS_EMULATOR",
    "ALICLOUD_ACCESS_KEY",
    "ALICLOUD_SECRET_KEY",
    "ALICLOUD_SECURITY_TOKEN",
    "ALICLOUD_PROFILE",
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_PROFILE",
)


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Developer credentials and overrides in the environment never leak into these tests."""
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("PULUMI_CONFIG"):  # PULUMI_CONFIG, PULUMI_CONFIG_<KEY>, ...
            monkeypatch.delenv(name)


def stack_config(emu: EmulatorProcess) -> dict[str, str]:
    """The stack configuration a provider gets: the emulator and its credentials."""
    return {
        EMULATOR_KEY: emu.base_url,
        "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
        "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
    }


def configured(provider: P, emu: EmulatorProcess) -> P:
    """``provider`` after ``configure``, as ``python -m pulumi.dynamic`` calls it."""
    provider.configure(dyn.ConfigureRequest(Config(stack_config(emu), "ims-callbacks")))
    return provider


@pytest.fixture(scope="module")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One emulator per test module (tests reset its state)."""
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as emu:
        yield emu


def pickled(provider: dyn.ResourceProvider) -> bytes:
    """The bytes Pulumi stores in the state as the resource's ``__provider``."""
    return base64.b64decode(serialize_provider(provider))
