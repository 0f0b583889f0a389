"""One emulator per test module, reset before each test; clients wired to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alibabacloud_credentials.client import Client as CredentialClient

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Timeouts, Transport
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.aliyun.retry import RetryPolicy
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess, start_emulator

FAST_RETRY = RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.005, max_elapsed=30)


@pytest.fixture(scope="module")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    state = tmp_path_factory.mktemp("emulator") / "state.json"
    with start_emulator(state) as emu:
        yield emu


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> EmulatorProcess:
    """The module's emulator with empty state, no faults and zero counters."""
    emulator_process.control.reset()
    return emulator_process


@pytest.fixture
def transport(emulator: EmulatorProcess) -> Transport:
    return Transport(emulator=emulator.base_url)


def make_credential(key_id: str, secret: str) -> CredentialClient:
    config = {"alicloud:accessKey": key_id, "alicloud:secretKey": secret}
    return resolve_credentials(config, {})


@pytest.fixture
def credential() -> CredentialClient:
    return make_credential(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)


@pytest.fixture
def ice(credential: CredentialClient, transport: Transport) -> Callable[..., IceClient]:
    """``ice(region, retry=FAST_RETRY, timeouts=None)`` -> an IceClient on the emulator."""

    def make(
        region: str, retry: RetryPolicy = FAST_RETRY, timeouts: Timeouts | None = None
    ) -> IceClient:
        return IceClient(region, credential, transport, retry, timeouts)

    return make


@pytest.fixture
def mns(credential: CredentialClient, transport: Transport) -> Callable[[str], MnsClient]:
    return lambda region: MnsClient(region, credential, transport, FAST_RETRY)


@pytest.fixture
def count(emulator: EmulatorProcess) -> Callable[..., int]:
    """``count(operation, region=None)``: requests the emulator received for ``operation``."""

    def calls(operation: str, region: str | None = None) -> int:
        counters = emulator.control.counters()
        if region is None:
            return counters["operations"].get(operation, 0)
        return counters["regions"].get(region, {}).get(operation, 0)

    return calls
