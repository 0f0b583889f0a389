"""Fixtures for the reliability runs: real CLI, emulator, offline profile; soak opt-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.engine import pulumi_bin_dir
from emulator.testing import EmulatorProcess, start_emulator
from tests.reliability.harness import Scenario, engine_profile

HERE = Path(__file__).parent


def soak_requested(config: pytest.Config) -> bool:
    """Soak variants run only when asked for: ``-m soak`` (or an expression naming it)."""
    return "soak" in (config.getoption("markexpr", default="") or "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here runs the real engine; soak variants are skipped unless ``-m soak``."""
    skip_soak = pytest.mark.skip(reason="soak variant: run with `pytest -m soak`")
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.engine)
        if "soak" in item.keywords and not soak_requested(config):
            item.add_marker(skip_soak)


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The CLI built by scripts/install-pulumi.sh; its absence is an error, never a skip."""
    return pulumi_bin_dir()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path / "emulator.json") as emu:
        yield emu


@pytest.fixture
def scenario(pulumi_bin: Path, tmp_path: Path, emulator: EmulatorProcess) -> Scenario:
    """A fresh stack `rel` on a project mirror, wired to the emulator."""
    return Scenario.create(engine_profile(pulumi_bin, tmp_path, emulator), emulator, tmp_path)
