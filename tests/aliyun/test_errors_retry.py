"""Error classification, redaction and the retry loop, with SDK-shaped exceptions (no network)."""

from __future__ import annotations

import pickle
import random
import time
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

from components.aliyun.errors import (
    CloudError,
    failure_line,
    is_retryable,
    redact,
    to_cloud_error,
)
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
        " User not authorized. Fix: allow `ice:SetEventCallback` for the deploying identity"
        " (the RAM policy in docs/deployer-policy.json)."
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


@pytest.fixture
def worst_case_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Jitter always at its upper bound; ``time.sleep`` advances a fake monotonic clock.

    Returns the list of sleeps made. Patches the ``time`` and ``random`` modules that
    tenacity and retry.py use, for this test only.
    """
    now = [1000.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    return sleeps


def test_default_policy_is_ten_attempts_with_bounded_backoff(worst_case_clock: list[float]):
    policy = RetryPolicy()
    stats = RetryStats()
    with pytest.raises(ServerException):
        call_with_retry(always(api_error(503, "ServiceUnavailable")), policy, stats)
    assert stats.attempts == policy.max_attempts == 10
    assert worst_case_clock == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert sum(worst_case_clock) == policy.max_total_wait() == 27.5  # documented: < 30 s
    assert stats.elapsed == 27.5 < policy.max_elapsed  # with instant failures, attempts stop it


def test_retry_never_sleeps_past_max_elapsed(worst_case_clock: list[float]):
    """Attempts at 0, 0.5, 1.5, 3.5 and 7.5 s; the next wait (4 s) would end at 11.5 s, past
    the 10 s budget, so retrying stops instead of sleeping and trying once more."""
    policy = RetryPolicy(max_attempts=100, initial_wait=0.5, max_wait=4.0, max_elapsed=10.0)
    stats = RetryStats()
    with pytest.raises(ServerException):
        call_with_retry(always(api_error(503, "ServiceUnavailable")), policy, stats)
    assert stats.attempts == 5
    assert worst_case_clock == [0.5, 1.0, 2.0, 4.0]
    assert stats.elapsed == 7.5


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RetryPolicy(max_attempts=1), 0.0),
        (RetryPolicy(max_attempts=3, initial_wait=0.5, max_wait=4.0), 1.5),
        (RetryPolicy(max_attempts=4, initial_wait=5.0, max_wait=2.0), 6.0),
        (RetryPolicy(max_attempts=3, initial_wait=0.0, max_wait=4.0), 0.0),
        (RetryPolicy(max_attempts=2000, initial_wait=0.5, max_wait=4.0), 7987.5),
    ],
)
def test_max_total_wait(policy: RetryPolicy, expected: float) -> None:
    assert policy.max_total_wait() == expected


def test_clients_refuse_pickling() -> None:
    credential = CredentialClient(
        CredentialConfig(type="access_key", access_key_id="LTAIkey", access_key_secret="secret")
    )
    for client in (IceClient("cn-beijing", credential), MnsClient("cn-beijing", credential)):
        with pytest.raises(TypeError, match="must not be pickled"):
            pickle.dumps(client)


@pytest.mark.parametrize(
    ("code", "status", "hint"),
    [
        ("Forbidden.RAM", 403, "allow `ice:GetEventCallback` for the deploying identity"),
        ("NoPermission", 400, "allow `ice:GetEventCallback`"),
        ("InvalidAccessKeyId.NotFound", 404, "check the AccessKey or role"),
        ("Throttling.User", 400, "still throttled after 3 attempts; run again later"),
        ("ServiceUnavailable", 503, "the service kept failing for 3 attempts"),
        ("InternalError", 500, "the service kept failing for 3 attempts"),
        ("ConnectionError", None, "check the network, proxy and endpoint"),
        ("InvalidParameter", 400, "see the message"),
    ],
)
def test_every_cloud_error_ends_with_its_fix(code: str, status: int | None, hint: str) -> None:
    error = CloudError(
        operation="ice:GetEventCallback",
        region="cn-beijing",
        code=code,
        message="What the service said.",
        http_status=status,
        attempts=3,
    )
    text = str(error)
    assert "\n" not in text
    assert f"What the service said. Fix: {hint}" in text


def test_failure_line_keeps_a_cloud_errors_fix_and_redacts_anything_else() -> None:
    error = CloudError(
        operation="ice:GetEventCallback", region="cn-beijing", code="Forbidden", message="Key1234"
    )
    line = failure_line(error, ["Key1234"])
    assert line.endswith("Fix: allow `ice:GetEventCallback` for the deploying identity "
                          "(the RAM policy in docs/deployer-policy.json).")  # fmt: skip
    assert "Key1234" not in line
    other = failure_line(ValueError("GET http://h/?AuthKey=Key1234 failed"), ["Key1234"])
    assert other == "ValueError: GET http://h/?[redacted] failed"
