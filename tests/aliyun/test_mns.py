"""MnsClient against the emulator, through the unmodified mns-open SDK."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import pytest
from alibabacloud_credentials.client import Client as CredentialClient

from components.aliyun.endpoints import Timeouts, Transport
from components.aliyun.errors import CloudError
from components.aliyun.mns import MnsClient, QueueAttributes
from components.aliyun.retry import RetryPolicy
from components.core.models import QueueSettings
from emulator.testing import EmulatorProcess
from tests.aliyun.listing import list_queues


def settings(name: str = "ice-callback-test", **changes: object) -> QueueSettings:
    base = QueueSettings(
        name=name,
        existing=False,
        retention_seconds=86400,
        visibility_timeout_seconds=60,
        polling_wait_seconds=10,
        max_message_bytes=32768,
        delay_seconds=0,
        logging=True,
        tags=(("env", "test"), ("team", "media")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_create_get_update_delete(mns: Callable[[str], MnsClient]) -> None:
    client = mns("cn-shanghai")
    assert client.get_queue("ice-callback-test") is None
    client.create_queue(settings())
    assert client.get_queue("ice-callback-test") == QueueAttributes(
        name="ice-callback-test",
        queue_type="normal",
        retention_seconds=86400,
        visibility_timeout_seconds=60,
        polling_wait_seconds=10,
        max_message_bytes=32768,
        delay_seconds=0,
        logging=True,
        tags=(("env", "test"), ("team", "media")),
    )
    client.update_queue(settings(retention_seconds=604800, logging=False, polling_wait_seconds=30))
    live = client.get_queue("ice-callback-test")
    assert live is not None
    assert (live.retention_seconds, live.logging, live.polling_wait_seconds) == (604800, False, 30)
    assert client.delete_queue("ice-callback-test") is True
    assert client.get_queue("ice-callback-test") is None
    assert client.delete_queue("ice-callback-test") is False


def test_queues_are_per_region(mns: Callable[[str], MnsClient]) -> None:
    mns("cn-beijing").create_queue(settings())
    assert mns("cn-hangzhou").get_queue("ice-callback-test") is None
    assert list_queues(mns("cn-hangzhou")) == []
    assert list_queues(mns("cn-beijing")) == ["ice-callback-test"]


def test_list_queues_by_prefix_over_pages(
    mns: Callable[[str], MnsClient], count: Callable[..., int]
) -> None:
    client = mns("cn-shenzhen")
    names = [f"ice-callback-q{n:03d}" for n in range(55)]
    for name in [*names, "other-queue"]:
        client.create_queue(settings(name, tags=()))
    assert list_queues(client, "ice-callback-") == names
    assert count("ListQueue") == 2  # 50 per page
    assert "other-queue" in list_queues(client)


def test_duplicate_create_is_a_clear_error_logged_at_info(
    mns: Callable[[str], MnsClient], count: Callable[..., int], caplog: pytest.LogCaptureFixture
) -> None:
    mns("cn-beijing").create_queue(settings())
    caplog.set_level(logging.INFO, logger="ims_callbacks")
    with pytest.raises(CloudError) as info:
        mns("cn-beijing").create_queue(settings())
    assert (info.value.operation, info.value.code, info.value.http_status) == (
        "mns-open:CreateQueue",
        "QueueAlreadyExist",
        409,
    )
    assert count("CreateQueue") == 2
    # The caller decides (a rerun takes its own queue back): no warning in `pulumi up` output.
    failed = [r for r in caplog.records if "QueueAlreadyExist" in r.getMessage()]
    assert [r.levelno for r in failed] == [logging.INFO]


def test_out_of_range_attribute_is_not_retried(
    mns: Callable[[str], MnsClient], count: Callable[..., int]
) -> None:
    with pytest.raises(CloudError) as info:
        mns("cn-beijing").create_queue(settings(max_message_bytes=10))
    assert info.value.code == "InvalidArgument"
    assert count("CreateQueue") == 1


def test_mns_calls_are_retried(
    emulator: EmulatorProcess, mns: Callable[[str], MnsClient], count: Callable[..., int]
) -> None:
    emulator.control.add_fault("unavailable", operation="GetQueueAttributes", count=2)
    assert mns("cn-beijing").get_queue("ice-callback-none") is None
    assert count("GetQueueAttributes") == 3


def test_create_retried_after_a_lost_response_succeeds(
    emulator: EmulatorProcess, credential: CredentialClient, transport: Transport
) -> None:
    """Attempt 1 times out but is applied (1.6 s); attempt 2 (0.8 s) sees QueueAlreadyExist."""
    emulator.control.add_fault("latency", operation="CreateQueue", latency_ms=800, count=2)
    emulator.control.add_fault("latency", operation="CreateQueue", latency_ms=800, count=1)
    client = MnsClient(
        "cn-beijing", credential, transport, RetryPolicy(3, 0.001, 0.005), Timeouts(1, 1.0)
    )
    client.create_queue(settings())
    assert client.get_queue("ice-callback-test") == QueueAttributes.from_settings(settings())


def test_create_conflicting_with_an_existing_queue_after_a_retry_fails(
    emulator: EmulatorProcess, mns: Callable[[str], MnsClient]
) -> None:
    mns("cn-beijing").create_queue(settings(retention_seconds=60))
    emulator.control.add_fault("throttle", operation="CreateQueue", count=1)
    with pytest.raises(CloudError) as info:
        mns("cn-beijing").create_queue(settings())
    assert (info.value.code, info.value.attempts) == ("QueueAlreadyExist", 2)
