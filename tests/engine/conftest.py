"""Fixtures for tests that run the real Pulumi CLI against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.ice import IceClient
from components.core.callback import CallbackSetting
from devtools.engine import EngineProfile
from devtools.stack import CliStack, make_project
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.engine_profile import engine_profile

EMULATOR_KEY_ID = DEFAULT_ACCESS_KEY_ID
EMULATOR_SECRET = DEFAULT_ACCESS_KEY_SECRET


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder runs the real engine."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.engine)


@pytest.fixture
def profile(pulumi_bin: Path, tmp_path: Path, emulator: EmulatorProcess) -> EngineProfile:
    """Offline engine profile: file backend in tmp, alicloud test double, emulator credentials."""
    return engine_profile(pulumi_bin, tmp_path, emulator)


@pytest.fixture
def cli_stack(profile: EngineProfile, tmp_path: Path) -> CliStack:
    """A new stack `test` of a mirror of the repo's project, driven through the CLI."""
    stack = CliStack(make_project(tmp_path / "project"), "test", profile)
    stack.init()
    return stack


def _client(emulator: EmulatorProcess, region: str) -> IceClient:
    credential = resolve_credentials(
        {"alicloud:accessKey": EMULATOR_KEY_ID, "alicloud:secretKey": EMULATOR_SECRET}
    )
    return IceClient(region, credential, Transport(emulator=emulator.base_url))


def live_setting(emulator: EmulatorProcess, region: str) -> CallbackSetting:
    """The region's live setting through the official SDK (the admin dump redacts keys)."""
    return _client(emulator, region).get_callback()


def set_live_setting(emulator: EmulatorProcess, region: str, setting: CallbackSetting) -> None:
    """Set the region's setting through the official SDK, as a console edit does."""
    _client(emulator, region).set_callback(setting)
