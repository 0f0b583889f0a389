"""Fixtures for the reliability runs: real CLI, emulator, offline profile; soak opt-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.testing import EmulatorProcess
from tests.engine_profile import engine_profile
from tests.reliability.harness import Scenario

HERE = Path(__file__).parent


def soak_requested(config: pytest.Config) -> bool:
    """Soak variants run only when asked for: ``-m soak`` (or an expression naming it)."""
    return "soak" in (config.getoption("markexpr", default="") or "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here runs the real engine; soak variants are deselected unless ``-m soak``."""
    soak = [i for i in items if "soak" in i.keywords and not soak_requested(config)]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [i for i in items if i not in soak]
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.engine)


@pytest.fixture
def scenario(pulumi_bin: Path, tmp_path: Path, emulator: EmulatorProcess) -> Scenario:
    """A fresh stack `rel` on a project mirror, wired to the emulator."""
    return Scenario.create(engine_profile(pulumi_bin, tmp_path, emulator), emulator, tmp_path)
