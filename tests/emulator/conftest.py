"""One emulator subprocess per test module, reset before every test that uses it."""

from __future__ import annotations

import pytest

from emulator.testing import EmulatorProcess, start_emulator


@pytest.fixture(scope="module")
def emulator_process(tmp_path_factory):
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as process:
        yield process


@pytest.fixture
def emu(emulator_process) -> EmulatorProcess:
    emulator_process.control.reset()
    return emulator_process
