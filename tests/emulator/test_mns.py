"""MNS management API (mns-open 2022-01-19) through the official SDK."""

from __future__ import annotations

import time

import pytest
from alibabacloud_mns_open20220119 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from tests.emulator.helpers import mns

Q = "ice-callback-prod"


def error_of(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value.status_code, info.value.code


def test_create_with_every_attribute_and_read_back_every_field(emu):
    client = mns(emu)
    reply = client.create_queue(
        m.CreateQueueRequest(
            queue_name=Q,
            delay_seconds=5,
            maximum_message_size=2048,
            message_retention_period=86400,
            polling_wait_seconds=30,
            visibility_timeout=60,
            enable_logging=True,
            queue_type="normal",
            dlq_policy=m.CreateQueueRequestDlqPolicy(
                enabled=True, dead_letter_target_queue="dlq", max_receive_count=3
            ),
            tenant_rate_limit_policy=m.CreateQueueRequestTenantRateLimitPolicy(
                enabled=True, max_receives_per_second=10
            ),
            tag=[
                m.CreateQueueRequestTag(key="team", value="media"),
                m.CreateQueueRequestTag(key="env", value="prod"),
            ],
        )
    )
    assert reply.body.to_map() == {
        "Code": 200,
        "Data": {"Code": 200, "Message": "operation success", "Success": True},
        "Message": "operation success",
        "RequestId": reply.body.request_id,
        "Status": "SUCCESS",
        "Success": True,
    }
    data = client.get_queue_attributes(m.GetQueueAttributesRequest(queue_name=Q)).body.data
    assert (data.queue_name, data.queue_type) == (Q, "normal")
    assert (data.delay_seconds, data.maximum_message_size, data.message_retention_period) == (
        5,
        2048,
        86400,
    )
    assert (data.polling_wait_seconds, data.visibility_timeout, data.logging_enabled) == (
        30,
        60,
        True,
    )
    assert data.dlq_policy.to_map() == {
        "DeadLetterTargetQueue": "dlq",
        "Enabled": True,
        "MaxReceiveCount": 3,
    }
    assert data.tenant_rate_limit_policy.to_map() == {"Enabled": True, "MaxReceivesPerSecond": 10}
    assert [(t.tag_key, t.tag_value) for t in data.tags] == [("team", "media"), ("env", "prod")]
    assert abs(data.create_time - time.time()) < 60
    assert data.last_modify_time == data.create_time
    assert (data.active_messages, data.inactive_messages, data.delay_messages) == (0, 0, 0)
    assert (data.enable_sse, data.encryption_enabled, data.sse_type) == (False, False, "")


def test_defaults_of_a_new_queue(emu):
    client = mns(emu)
    client.create_queue(m.CreateQueueRequest(queue_name=Q))
    data = client.get_queue_attributes(m.GetQueueAttributesRequest(queue_name=Q)).body.data
    assert (
        data.delay_seconds,
        data.maximum_message_size,
        data.message_retention_period,
        data.polling_wait_seconds,
        data.visibility_timeout,
        data.logging_enabled,
        data.queue_type,
        data.tags,
    ) == (0, 65536, 345600, 0, 30, False, "normal", [])


def test_set_changes_only_the_attributes_given(emu):
    client = mns(emu)
    client.create_queue(m.CreateQueueRequest(queue_name=Q, visibility_timeout=60, delay_seconds=3))
    client.set_queue_attributes(
        m.SetQueueAttributesRequest(
            queue_name=Q, message_retention_period=604800, enable_logging=True
        )
    )
    data = client.get_queue_attributes(m.GetQueueAttributesRequest(queue_name=Q)).body.data
    assert (data.message_retention_period, data.logging_enabled) == (604800, True)
    assert (data.visibility_timeout, data.delay_seconds) == (60, 3)
    assert data.last_modify_time >= data.create_time


def test_create_existing_queue_is_a_conflict(emu):
    client = mns(emu)
    client.create_queue(m.CreateQueueRequest(queue_name=Q))
    assert error_of(lambda: client.create_queue(m.CreateQueueRequest(queue_name=Q))) == (
        409,
        "QueueAlreadyExist",
    )


def test_missing_queue_is_not_found_for_get_set_delete(emu):
    client = mns(emu)
    calls = [
        lambda: client.get_queue_attributes(m.GetQueueAttributesRequest(queue_name=Q)),
        lambda: client.set_queue_attributes(
            m.SetQueueAttributesRequest(queue_name=Q, delay_seconds=1)
        ),
        lambda: client.delete_queue(m.DeleteQueueRequest(queue_name=Q)),
    ]
    assert [error_of(call) for call in calls] == [(404, "QueueNotExist")] * 3


def test_delete_removes_the_queue(emu):
    client = mns(emu)
    client.create_queue(m.CreateQueueRequest(queue_name=Q))
    assert client.delete_queue(m.DeleteQueueRequest(queue_name=Q)).body.success is True
    assert error_of(
        lambda: client.get_queue_attributes(m.GetQueueAttributesRequest(queue_name=Q))
    ) == (404, "QueueNotExist")


RANGES = [
    ("delay_seconds", "DelaySeconds", 0, 604800),
    ("maximum_message_size", "MaximumMessageSize", 1024, 65536),
    ("message_retention_period", "MessageRetentionPeriod", 60, 604800),
    ("polling_wait_seconds", "PollingWaitSeconds", 0, 30),
    ("visibility_timeout", "VisibilityTimeout", 1, 43200),
]


@pytest.mark.parametrize(("attr", "wire", "low", "high"), RANGES)
def test_attribute_ranges(emu, attr, wire, low, high):
    client = mns(emu)
    for bad in (low - 1, high + 1):
        with pytest.raises(ClientException) as info:
            client.create_queue(m.CreateQueueRequest(queue_name=Q, **{attr: bad}))
        assert (info.value.status_code, info.value.code) == (400, "InvalidArgument")
        assert f"{wire} should between {low} and {high}" in info.value.data["Message"]
    client.create_queue(m.CreateQueueRequest(queue_name=Q, **{attr: low}))
    client.set_queue_attributes(m.SetQueueAttributesRequest(queue_name=Q, **{attr: high}))
    with pytest.raises(ClientException):
        client.set_queue_attributes(m.SetQueueAttributesRequest(queue_name=Q, **{attr: high + 1}))
    data = client.get_queue_attributes(m.GetQueueAttributesRequest(queue_name=Q)).body.data
    assert getattr(data, attr) == high


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("q" * 121, "QueueNameLengthError"),
        ("-ice-callback", "InvalidQueueName"),
        ("ice_callback", "InvalidQueueName"),
        ("ice.callback", "InvalidQueueName"),
    ],
)
def test_queue_name_rules(emu, name, code):
    assert error_of(lambda: mns(emu).create_queue(m.CreateQueueRequest(queue_name=name))) == (
        400,
        code,
    )


def test_longest_and_digit_first_names_are_valid(emu):
    client = mns(emu)
    for name in ("q" * 120, "1-queue"):
        client.create_queue(m.CreateQueueRequest(queue_name=name))
    listed = client.list_queue(m.ListQueueRequest()).body.data
    assert sorted(q.queue_name for q in listed.page_data) == sorted(["q" * 120, "1-queue"])


def test_other_invalid_values(emu):
    client = mns(emu)
    assert error_of(
        lambda: client.create_queue(m.CreateQueueRequest(queue_name=Q, queue_type="lifo"))
    ) == (400, "InvalidParameter")
    assert error_of(
        lambda: client.create_queue(m.CreateQueueRequest(queue_name=Q, sse_type="AES"))
    ) == (
        400,
        "InvalidParameter",
    )
    assert error_of(lambda: client.create_queue(m.CreateQueueRequest())) == (
        400,
        "MissingParameter",
    )


def test_list_paging_and_filters(emu):
    client = mns(emu)
    for i in range(12):
        tags = [m.CreateQueueRequestTag(key="team", value="media" if i % 2 else "ops")]
        client.create_queue(m.CreateQueueRequest(queue_name=f"ice-callback-{i:02d}", tag=tags))
    client.create_queue(m.CreateQueueRequest(queue_name="other-fifo", queue_type="fifo"))

    page2 = client.list_queue(m.ListQueueRequest(page_num=2, page_size=10)).body.data
    assert (page2.total, page2.pages, page2.page_num, page2.page_size, page2.size) == (
        13,
        2,
        2,
        10,
        3,
    )
    assert [q.queue_name for q in page2.page_data] == [
        "ice-callback-10",
        "ice-callback-11",
        "other-fifo",
    ]

    clamped = client.list_queue(m.ListQueueRequest(page_size=3)).body.data
    assert (clamped.page_size, clamped.size) == (10, 10)

    prefixed = client.list_queue(m.ListQueueRequest(queue_name="ice-callback-1")).body.data
    assert [q.queue_name for q in prefixed.page_data] == ["ice-callback-10", "ice-callback-11"]

    fifo = client.list_queue(m.ListQueueRequest(queue_type="fifo")).body.data
    assert [q.queue_name for q in fifo.page_data] == ["other-fifo"]

    tagged = client.list_queue(
        m.ListQueueRequest(tag=[m.ListQueueRequestTag(key="team", value="media")])
    ).body.data
    assert tagged.total == 6
    assert tagged.page_data[0].tags[0].to_map() == {"TagKey": "team", "TagValue": "media"}


def test_queues_are_per_region(emu):
    mns(emu, "cn-beijing").create_queue(m.CreateQueueRequest(queue_name=Q))
    assert mns(emu, "cn-shanghai").list_queue(m.ListQueueRequest()).body.data.total == 0
    mns(emu, "cn-shanghai").create_queue(m.CreateQueueRequest(queue_name=Q, delay_seconds=9))
    beijing = mns(emu, "cn-beijing").get_queue_attributes(m.GetQueueAttributesRequest(queue_name=Q))
    assert beijing.body.data.delay_seconds == 0


def test_dlq_policy_must_be_a_json_object(emu):
    class NotAnObject(m.CreateQueueRequestDlqPolicy):
        def to_map(self):
            return "not an object"  # the SDK serialises it as the JSON string '"not an object"'

    request = m.CreateQueueRequest(queue_name=Q, dlq_policy=NotAnObject())
    assert error_of(lambda: mns(emu).create_queue(request)) == (400, "InvalidParameter")
