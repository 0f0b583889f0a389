"""A hermetic environment for tests that build clients: no ambient credentials or overrides."""

from __future__ import annotations

import os

import pytest

PREFIXES = ("PULUMI_CONFIG", "ALIBABA_", "ALICLOUD_", "IMS_CALLBACKS_")
"""Developer credentials, profiles, stack config from the shell and the emulator override."""


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the developer's environment leaks into these tests."""
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            monkeypatch.delenv(name)
