"""A failing API call whose request carried the AuthKey never echoes it (IceClient level).

tests/aliyun/test_ice.py covers a dead port (transport error text with the request URL);
here every injected fault kind and a read timeout are exhausted through the real SDK
against the emulator, with STS credentials, and the error's str/repr/traceback and every
log record (DEBUG, all loggers) are scanned for the key, the AccessKey secret and the token.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Timeouts, Transport
from components.aliyun.errors import CloudError
from components.aliyun.ice import IceClient
from components.aliyun.retry import RetryPolicy
from components.aliyun.runtime import prepare
from components.core.callback import CallbackSetting
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.faults import FaultKind
from emulator.testing import EmulatorProcess, start_emulator
from tests.reliability.harness import STS_MARKER
from tests.security.scan import SecretAudit

AUTH_KEY = "EchoProbeKey2026abcXYZ"
RETRY = RetryPolicy(max_attempts=3, initial_wait=0.001, max_wait=0.005, max_elapsed=30)
SETTING = CallbackSetting(
    "HTTP",
    url="https://hooks.example.com/ims?token=UrlTokenValue123",
    events=("FileUploadComplete",),
    auth_enabled=True,
    auth_key=AUTH_KEY,
)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as emu:
        yield emu


@pytest.fixture
def client(emulator: EmulatorProcess) -> IceClient:
    emulator.control.reset()
    credential = resolve_credentials(
        {
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
            "alicloud:securityToken": STS_MARKER,
        },
        {},
    )
    transport = Transport(emulator=emulator.base_url)
    return IceClient("cn-beijing", credential, transport, RETRY, Timeouts(connect=1, read=0.5))


def audit_error(error: CloudError, logs: str, emulator_log: Path) -> SecretAudit:
    audit = SecretAudit()
    audit.secret("auth key", AUTH_KEY)
    audit.secret("URL token", "UrlTokenValue123")
    audit.secret("AccessKey secret", DEFAULT_ACCESS_KEY_SECRET)
    audit.secret("STS token", STS_MARKER)
    audit.add("str(error)", str(error))
    audit.add("repr(error)", repr(error))
    audit.add("traceback", "".join(traceback.format_exception(error)))
    audit.add("log records", logs)
    audit.add("emulator log", emulator_log.read_text(errors="replace"))
    return audit


@pytest.mark.parametrize("kind", ["throttle", "unavailable", "internal", "forbidden", "drop"])
def test_exhausted_set_does_not_echo_the_key(
    kind: FaultKind,
    client: IceClient,
    emulator: EmulatorProcess,
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG, logger="ims_callbacks")
    emulator.control.add_fault(kind, operation="SetEventCallback")
    with pytest.raises(CloudError) as info:
        client.set_callback(SETTING)
    error = info.value
    assert error.region == "cn-beijing"
    assert error.operation == "ice:SetEventCallback"
    assert error.attempts == (1 if kind == "forbidden" else RETRY.max_attempts)
    assert error.__cause__ is None
    assert error.__suppress_context__
    audit_error(error, caplog.text, emulator.log_file).assert_clean()


def test_timed_out_set_does_not_echo_the_key(
    client: IceClient, emulator: EmulatorProcess, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="ims_callbacks")
    emulator.control.add_fault("latency", operation="SetEventCallback", latency_ms=1200)
    with pytest.raises(CloudError) as info:
        client.set_callback(SETTING)
    assert info.value.code == "ReadTimeout"
    audit_error(info.value, caplog.text, emulator.log_file).assert_clean()


def test_debug_logging_of_every_logger_does_not_echo_the_key(
    client: IceClient, emulator: EmulatorProcess, caplog: pytest.LogCaptureFixture
):
    prepare()  # as every entry point does: it filters urllib3's request lines
    caplog.set_level(logging.DEBUG)  # root: urllib3 included
    emulator.control.add_fault("forbidden", operation="SetEventCallback")
    with pytest.raises(CloudError) as info:
        client.set_callback(SETTING)
    audit_error(info.value, caplog.text, emulator.log_file).assert_clean()
