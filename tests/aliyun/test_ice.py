"""IceClient against the emulator, through the unmodified official SDK."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Callable

import pytest
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_ice20201109.client import Client as IceSdk
from alibabacloud_ice20201109.models import SetEventCallbackRequest

from components.aliyun.endpoints import Timeouts, Transport, sdk_config
from components.aliyun.errors import CloudError
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.aliyun.retry import RetryPolicy
from components.core.callback import CallbackSetting
from components.core.models import QueueSettings
from components.core.regions import REGION_IDS
from emulator.auth import DEFAULT_ACCESS_KEY_ID
from emulator.faults import FaultKind
from emulator.testing import EmulatorProcess
from tests.aliyun.conftest import FAST_RETRY, make_credential
from tests.queues import queue_settings

AUTH_KEY = "Zq7SecretAuthKey9"


def http_setting(n: int = 0, key: str = AUTH_KEY) -> CallbackSetting:
    return CallbackSetting(
        "HTTP",
        url=f"https://hooks.example.com/ims/{n}",
        events=("FileUploadComplete", "ProduceMediaComplete"),
        auth_enabled=True,
        auth_key=key,
    )


def queue(name: str) -> QueueSettings:
    return queue_settings(name)


def test_unconfigured_region_reads_as_empty(ice: Callable[..., IceClient]) -> None:
    assert ice("cn-hangzhou").get_callback().is_empty


def test_round_trip_in_every_region(
    ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    for n, region in enumerate(sorted(REGION_IDS)):
        client = ice(region)
        client.set_callback(http_setting(n))
        assert client.get_callback() == http_setting(n)  # includes the auth key
        assert count("SetEventCallback", region) == 1  # the Host header named this region


def test_regions_are_isolated(ice: Callable[..., IceClient]) -> None:
    ice("cn-beijing").set_callback(http_setting(1))
    ice("cn-shanghai").set_callback(http_setting(2, key="Other123Key"))
    assert ice("cn-beijing").get_callback().url.endswith("/1")
    assert ice("cn-shanghai").get_callback().auth_key == "Other123Key"
    assert ice("cn-shenzhen").get_callback().is_empty


def test_mns_setting_round_trip(
    ice: Callable[..., IceClient], mns: Callable[[str], MnsClient]
) -> None:
    mns("cn-shanghai").create_queue(queue("ice-callback-prod"))
    setting = CallbackSetting("MNS", queue_name="ice-callback-prod", events=("FileUploadComplete",))
    ice("cn-shanghai").set_callback(setting)
    assert ice("cn-shanghai").get_callback() == setting


def test_reset_keeps_the_target_but_subscribes_to_nothing(
    ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    client = ice("cn-beijing")
    client.set_callback(http_setting(7))
    client.reset_callback()
    assert client.get_callback() == CallbackSetting("HTTP", url="https://hooks.example.com/ims/7")
    client.reset_callback()  # idempotent
    assert count("SetEventCallback") == 3


def test_reset_of_an_unconfigured_region_sends_nothing(
    ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    ice("us-west-1").reset_callback()
    assert ice("us-west-1").get_callback().is_empty
    assert count("SetEventCallback") == 0


def test_reset_mns_setting(ice: Callable[..., IceClient], mns: Callable[[str], MnsClient]) -> None:
    mns("cn-hangzhou").create_queue(queue("ice-callback-x"))
    client = ice("cn-hangzhou")
    client.set_callback(
        CallbackSetting("MNS", queue_name="ice-callback-x", events=("FileUploadComplete",))
    )
    client.reset_callback()
    assert client.get_callback() == CallbackSetting("MNS", queue_name="ice-callback-x")


@pytest.mark.parametrize(
    ("kind", "failures"), [("throttle", 2), ("unavailable", 3), ("internal", 1), ("drop", 2)]
)
def test_transient_failures_are_retried(
    emulator: EmulatorProcess,
    ice: Callable[..., IceClient],
    count: Callable[..., int],
    kind: FaultKind,
    failures: int,
) -> None:
    emulator.control.add_fault(kind, operation="SetEventCallback", count=failures)
    ice("cn-beijing").set_callback(http_setting())
    assert count("SetEventCallback") == failures + 1
    assert ice("cn-beijing").get_callback() == http_setting()


def test_retries_are_bounded(
    emulator: EmulatorProcess, ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    emulator.control.add_fault("throttle", operation="GetEventCallback")
    with pytest.raises(CloudError) as info:
        ice("cn-beijing").get_callback()
    error = info.value
    assert (error.code, error.http_status, error.retryable) == ("Throttling.User", 400, True)
    assert error.attempts == FAST_RETRY.max_attempts
    assert count("GetEventCallback") == FAST_RETRY.max_attempts


def test_forbidden_is_not_retried(
    emulator: EmulatorProcess, ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    emulator.control.add_fault("forbidden", operation="SetEventCallback")
    with pytest.raises(CloudError) as info:
        ice("cn-beijing").set_callback(http_setting())
    error = info.value
    assert (error.code, error.http_status, error.retryable) == ("Forbidden.RAM", 403, False)
    assert str(error).startswith(
        "ice:SetEventCallback in cn-beijing failed: Forbidden.RAM (HTTP 403, RequestId "
    )
    assert str(error).endswith(
        "): User not authorized to operate on the specified resource,"
        " or this API doesn't support RAM. Fix: allow `ice:SetEventCallback` for the deploying"
        " identity (the RAM policy in docs/deployer-policy.json)."
    )
    assert count("SetEventCallback") == 1


def test_invalid_parameter_is_not_retried(
    ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    bad = CallbackSetting("HTTP", url="not a url", events=("FileUploadComplete",))
    with pytest.raises(CloudError) as info:
        ice("cn-beijing").set_callback(bad)
    assert info.value.code == "InvalidParameter"
    assert info.value.http_status == 400
    assert count("SetEventCallback") == 1


@pytest.mark.parametrize(
    "case",
    [
        (DEFAULT_ACCESS_KEY_ID, "wrong-secret", "SignatureDoesNotMatch", 400),
        ("LTAIunknownKey01", "whatever", "InvalidAccessKeyId.NotFound", 404),
    ],
)
def test_bad_credentials(
    transport: Transport, count: Callable[..., int], case: tuple[str, str, str, int]
) -> None:
    key_id, secret, code, status = case
    client = IceClient("cn-beijing", make_credential(key_id, secret), transport, FAST_RETRY)
    with pytest.raises(CloudError) as info:
        client.get_callback()
    error = info.value
    assert (error.operation, error.region, error.code, error.http_status) == (
        "ice:GetEventCallback",
        "cn-beijing",
        code,
        status,
    )
    assert error.request_id
    assert not error.retryable
    assert secret not in str(error)
    assert count("GetEventCallback") == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_auth_key_never_leaks_from_a_failed_call(
    credential: CredentialClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The SDK's own error text contains the request URL with AuthKey; ours must not."""
    dead = Transport(emulator=f"http://127.0.0.1:{free_port()}")
    setting = http_setting()
    raw = IceSdk(sdk_config("ice", "cn-beijing", credential, dead, Timeouts(1, 1)))
    with pytest.raises(Exception, match=AUTH_KEY):  # premise: the SDK does echo it
        raw.set_event_callback(SetEventCallbackRequest().from_map(setting.to_api()))

    caplog.set_level(logging.DEBUG, logger="ims_callbacks.aliyun")
    client = IceClient("cn-beijing", credential, dead, FAST_RETRY, Timeouts(1, 1))
    with pytest.raises(CloudError) as info:
        client.set_callback(setting)
    error = info.value
    assert error.retryable
    assert error.attempts == FAST_RETRY.max_attempts
    assert error.__cause__ is None
    assert error.__suppress_context__  # the SDK exception is not chained into tracebacks
    rendered = "".join(traceback.format_exception(error)) + repr(error) + caplog.text
    assert AUTH_KEY not in rendered
    assert "CallbackURL" not in rendered
    assert "hooks.example.com" not in rendered


def test_ambient_proxy_env_is_ignored_in_emulator_mode(
    ice: Callable[..., IceClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    ice("cn-beijing", RetryPolicy(max_attempts=1)).set_callback(http_setting())


def test_read_timeout_is_retried_then_reported(
    emulator: EmulatorProcess, ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    emulator.control.add_fault("latency", operation="GetEventCallback", latency_ms=1500)
    slow = ice("cn-beijing", RetryPolicy(3, 0.001, 0.005, 30), Timeouts(connect=1, read=0.3))
    with pytest.raises(CloudError) as info:
        slow.get_callback()
    assert info.value.code == "ReadTimeout"
    assert info.value.retryable
    assert info.value.attempts == 3
    assert count("GetEventCallback") == 3


def test_one_slow_response_is_retried(
    emulator: EmulatorProcess, ice: Callable[..., IceClient], count: Callable[..., int]
) -> None:
    emulator.control.add_fault("latency", operation="GetEventCallback", latency_ms=1500, count=1)
    client = ice("cn-beijing", FAST_RETRY, Timeouts(connect=1, read=0.3))
    assert client.get_callback().is_empty
    assert count("GetEventCallback") == 2


def test_one_log_line_per_call_without_parameters(
    ice: Callable[..., IceClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ims_callbacks.aliyun")
    ice("cn-beijing").set_callback(http_setting())
    records = [r for r in caplog.records if r.name == "ims_callbacks.aliyun"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert message.startswith("ice:SetEventCallback cn-beijing ok (1 attempts, ")
    assert AUTH_KEY not in message
    assert "hooks.example.com" not in message
