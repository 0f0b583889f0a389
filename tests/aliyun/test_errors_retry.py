"""Error classification, redaction and the retry loop, with SDK-shaped exceptions (no network)."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest
import requests
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_tea_openapi.exceptions import (
    ClientException,
    ServerException,
    ThrottlingException,
)
from darabonba.exceptions import RetryError, UnretryableException
from darabonba.policy.retry import RetryPolicyContext

from components.aliyun.errors import is_retryable, redact, to_cloud_error
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.aliyun.retry import RetryPolicy, RetryStats, call_with_retry

FAST = RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.002, max_elapsed=5)


def transport_failure(cause: Exception) -> UnretryableException:
    """What the SDK raises for an IOError from requests (see DaraCore.do_action)."""
    try:
        try:
            raise cause
        except OSError as exc:
            raise RetryError(str(exc))  # noqa: B904 - exactly what the SDK does
    except RetryError as exc:
        return UnretryableException(RetryPolicyContext(retries_attempted=1, exception=exc))


def always(exc: Exception) -> Callable[[], None]:
    def fail() -> None:
        raise exc

    return fail


def api_error(status: int, code: str, message: str = "msg") -> ClientException:
    cls = ServerException if status >= 500 else ClientException
    return cls(
        status_code=status,
        code=code,
        message=f"code: {status}, {message} request id: RID-1",
        data={"Code": code, "Message": message, "RequestId": "RID-1"},
        request_id="RID-1",
    )


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (api_error(400, "Throttling.User"), True),
        (api_error(400, "Throttling"), True),
        (api_error(400, "Throttling.Api"), True),
        (api_error(503, "ServiceUnavailable"), True),
        (api_error(500, "InternalError"), True),
        (ThrottlingException(status_code=400, code="Throttling.User", retry_after=1), True),
        (api_error(400, "InvalidParameter"), False),
        (api_error(403, "Forbidden.RAM"), False),
        (api_error(400, "SignatureDoesNotMatch"), False),
        (api_error(404, "InvalidAccessKeyId.NotFound"), False),
        (transport_failure(requests.exceptions.ConnectionError("reset")), True),
        (transport_failure(requests.exceptions.ReadTimeout("slow")), True),
        (transport_failure(requests.exceptions.SSLError("bad cert")), False),
        (ValueError("bug"), False),
    ],
)
def test_is_retryable(exc: BaseException, expected: bool) -> None:
    assert is_retryable(exc) is expected


def test_cloud_error_shape() -> None:
    error = to_cloud_error(
        api_error(403, "Forbidden.RAM", "User not authorized."),
        operation="ice:SetEventCallback",
        region="cn-beijing",
        attempts=1,
    )
    assert str(error) == (
        "ice:SetEventCallback in cn-beijing failed: Forbidden.RAM (HTTP 403, RequestId RID-1):"
        " User not authorized."
    )
    assert (error.code, error.http_status, error.request_id, error.retryable) == (
        "Forbidden.RAM",
        403,
        "RID-1",
        False,
    )


def test_transport_error_shape_is_redacted() -> None:
    url = "http://ice.cn-beijing.aliyuncs.com/?AuthKey=Abc123Secret&CallbackURL=x"
    cause = requests.exceptions.ConnectionError(f"Max retries exceeded with url: {url}")
    error = to_cloud_error(
        transport_failure(cause),
        operation="ice:SetEventCallback",
        region="cn-beijing",
        attempts=6,
        secrets=("Abc123Secret",),
    )
    assert error.code == "ConnectionError"
    assert error.retryable
    assert "Abc123Secret" not in str(error)
    assert "CallbackURL" not in str(error)
    assert "(6 attempts)" in str(error)


def test_real_signature_mismatch_message_is_cut() -> None:
    """The real gateway quotes the string to sign, i.e. every parameter, AuthKey included."""
    message = (
        "Specified signature is not matched with our calculation. server string to sign is:"
        "POST\n/\nAuthKey=Zq7Key1&AuthSwitch=on&CallbackURL=https%3A%2F%2Fh.example%2Fcb\n"
        "host:ice.cn-beijing.aliyuncs.com"
    )
    exc = api_error(400, "SignatureDoesNotMatch", message)
    error = to_cloud_error(exc, operation="ice:SetEventCallback", region="cn-beijing", attempts=1)
    assert error.message == (
        "Specified signature is not matched with our calculation. server string to sign: [redacted]"
    )


def test_parameter_lists_and_encoded_secrets_are_redacted() -> None:
    out = redact("sent Action=Set&CallbackType=HTTP then key%2B1 and key+1", secrets=("key+1",))
    assert out == "sent [redacted] parameters then [redacted] and [redacted]"


def test_redact() -> None:
    text = (
        "GET /?Action=Set&AuthKey=K1 failed; AuthKey=K2, Signature: abc; key K3 leaked"
        " x-acs-security-token='TOKVAL'"
    )
    out = redact(text, secrets=("K3",))
    for leaked in ("K1", "K2", "abc", "K3", "TOKVAL", "Action=Set"):
        assert leaked not in out
    assert len(redact("x" * 5000)) <= 300


def test_retry_counts_attempts_until_success() -> None:
    failures = [api_error(400, "Throttling.User"), api_error(503, "ServiceUnavailable")]

    def flaky() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    stats = RetryStats()
    assert call_with_retry(flaky, FAST, stats) == "ok"
    assert stats.attempts == 3


def test_retry_is_bounded_and_reraises_last_error() -> None:
    stats = RetryStats()
    with pytest.raises(ServerException):
        call_with_retry(always(api_error(500, "InternalError")), FAST, stats)
    assert stats.attempts == FAST.max_attempts


def test_retry_stops_after_max_elapsed() -> None:
    policy = RetryPolicy(max_attempts=100, initial_wait=0.05, max_wait=0.05, max_elapsed=0.2)
    stats = RetryStats()
    with pytest.raises(ServerException):
        call_with_retry(always(api_error(503, "X")), policy, stats)
    assert 1 < stats.attempts < 100
    assert stats.elapsed < 1.0


def test_no_retry_for_client_errors() -> None:
    stats = RetryStats()
    with pytest.raises(ClientException):
        call_with_retry(always(api_error(400, "InvalidParameter")), FAST, stats)
    assert stats.attempts == 1


def test_retry_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_clients_refuse_pickling() -> None:
    credential = CredentialClient(
        CredentialConfig(type="access_key", access_key_id="LTAIkey", access_key_secret="secret")
    )
    for client in (IceClient("cn-beijing", credential), MnsClient("cn-beijing", credential)):
        with pytest.raises(TypeError, match="must not be pickled"):
            pickle.dumps(client)
