"""Fixtures shared by the suites that run the real Pulumi CLI against the emulator."""

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


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """A fresh emulator with its own state file."""
    with start_emulator(tmp_path / "emulator.json") as emu:
        yield emu
