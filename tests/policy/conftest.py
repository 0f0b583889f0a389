"""Fixtures of the policy tests: what each client method calls, counted by the emulator."""

from __future__ import annotations

import pytest

from emulator.testing import EmulatorProcess
from tests.policy.actions import Observed, observe


@pytest.fixture
def observed(emulator: EmulatorProcess) -> Observed:
    """Per client and method: the operations the emulator counted while the method ran."""
    return observe(emulator)
