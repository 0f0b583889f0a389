"""Fixtures for the CLI-level bad-input runs: one emulator per module, a project mirror."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.engine import pulumi_bin_dir
from emulator.testing import EmulatorProcess, start_emulator


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The CLI built by scripts/install-pulumi.sh; its absence is an error, never a skip."""
    return pulumi_bin_dir()


@pytest.fixture(scope="module")
def module_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as emu:
        yield emu


@pytest.fixture
def emulator(module_emulator: EmulatorProcess) -> EmulatorProcess:
    """The module's emulator with empty state and zero counters."""
    module_emulator.control.reset()
    return module_emulator
