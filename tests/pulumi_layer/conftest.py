"""Shared fixtures: a hermetic environment (no ambient credentials or emulator override)."""

from __future__ import annotations

import os

import pytest

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
