"""MNS management API rules (MNS-*), only ever on queues whose names the run generated."""

from __future__ import annotations

from tests.contract.helpers import EVENTS, expect, ok

GET_FIELDS = {
    "QueueName",
    "QueueType",
    "CreateTime",
    "LastModifyTime",
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "PollingWaitSeconds",
    "VisibilityTimeout",
    "LoggingEnabled",
    "DlqPolicy",
    "TenantRateLimitPolicy",
    "EnableSSE",
    "EncryptionEnabled",
    "SseType",
    "SseAlgorithm",
    "KmsKeyId",
    "Tags",
    "ActiveMessages",
    "InactiveMessages",
    "DelayMessages",
}


def attributes(target, name):
    return ok(target.mns("GetQueueAttributes", QueueName=name)).body["Data"]


def check_range(target, name, low, high, unit):
    """Create accepts ``low``, Set accepts ``high``, one step outside is InvalidArgument."""
    queue = target.create_queue(**{name: str(low)})
    assert attributes(target, queue)[name] == low
    ok(target.mns("SetQueueAttributes", QueueName=queue, **{name: str(high)}))
    assert attributes(target, queue)[name] == high
    message = f"The value of {name} should between {low} and {high} {unit}."
    for reply in (
        target.mns("SetQueueAttributes", QueueName=queue, **{name: str(low - 1)}),
        target.mns("CreateQueue", QueueName=target.new_queue_name(), **{name: str(high + 1)}),
    ):
        expect(reply, 400, "InvalidArgument")
        assert reply.body["Message"] == message


def test_mns_operations(target):
    name = target.new_queue_name()
    ok(target.mns("CreateQueue", QueueName=name))
    assert attributes(target, name)["QueueName"] == name
    ok(target.mns("SetQueueAttributes", QueueName=name, DelaySeconds="5"))
    listed = ok(target.mns("ListQueue", QueueName=name)).body["Data"]["PageData"]
    assert [q["QueueName"] for q in listed] == [name]
    ok(target.mns("DeleteQueue", QueueName=name))


def test_mns_region_scope(emulator_target):
    """Needs two regions, so emulator only: a live run touches one region."""
    name = emulator_target.create_queue(DelaySeconds="1")
    ok(emulator_target.call("mns-open", "CreateQueue", {"QueueName": name}, region="cn-beijing"))
    beijing = emulator_target.call(
        "mns-open", "GetQueueAttributes", {"QueueName": name}, region="cn-beijing"
    )
    assert ok(beijing).body["Data"]["DelaySeconds"] == 0
    assert attributes(emulator_target, name)["DelaySeconds"] == 1


def test_mns_response(target):
    name = target.new_queue_name()
    created = ok(target.mns("CreateQueue", QueueName=name)).body
    assert {k: created[k] for k in ("Code", "Status", "Success", "Message")} == {
        "Code": 200,
        "Status": "SUCCESS",
        "Success": True,
        "Message": "operation success",
    }
    assert created["Data"] == {"Code": 200, "Message": "operation success", "Success": True}
    assert created["RequestId"]
    assert isinstance(ok(target.mns("GetQueueAttributes", QueueName=name)).body["Data"], dict)


def test_mns_name_required(target):
    expect(target.mns("CreateQueue"), 400, "MissingParameter")
    expect(target.mns("CreateQueue", QueueName=""), 400, "MissingParameter")


def test_mns_name_len(target):
    stem = target.queue_prefix
    longest = target.new_queue_name("x" * (120 - len(stem) - 8))
    assert len(longest) == 120
    ok(target.mns("CreateQueue", QueueName=longest))
    too_long = target.new_queue_name("x" * (121 - len(stem) - 8))
    expect(target.mns("CreateQueue", QueueName=too_long), 400, "QueueNameLengthError")


def test_mns_name_chars(target):
    for suffix in ("_x", ".x", "~x"):
        expect(
            target.mns("CreateQueue", QueueName=target.new_queue_name(suffix)),
            400,
            "InvalidQueueName",
        )


def test_mns_range_delay(target):
    check_range(target, "DelaySeconds", 0, 604800, "seconds")


def test_mns_range_maxsize(target):
    check_range(target, "MaximumMessageSize", 1024, 65536, "bytes")


def test_mns_range_retention(target):
    check_range(target, "MessageRetentionPeriod", 60, 604800, "seconds")


def test_mns_range_polling(target):
    check_range(target, "PollingWaitSeconds", 0, 30, "seconds")


def test_mns_range_visibility(target):
    check_range(target, "VisibilityTimeout", 1, 43200, "seconds")


def test_mns_range_error(target):
    queue = target.create_queue()
    reply = target.mns("SetQueueAttributes", QueueName=queue, PollingWaitSeconds="31")
    expect(reply, 400, "InvalidArgument")
    assert (
        reply.body["Message"] == "The value of PollingWaitSeconds should between 0 and 30 seconds."
    )
    expect(
        target.mns("SetQueueAttributes", QueueName=queue, DelaySeconds="soon"),
        400,
        "InvalidParameter",
    )


def test_mns_defaults(target):
    data = attributes(target, target.create_queue())
    assert {
        k: data[k] for k in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod")
    } == {
        "DelaySeconds": 0,
        "MaximumMessageSize": 65536,
        "MessageRetentionPeriod": 345600,
    }
    assert (data["PollingWaitSeconds"], data["VisibilityTimeout"]) == (0, 30)
    assert (data["LoggingEnabled"], data["QueueType"], data["EnableSSE"]) == (
        False,
        "normal",
        False,
    )
    assert data["DlqPolicy"]["Enabled"] is False
    assert data["TenantRateLimitPolicy"]["Enabled"] is False
    assert data["Tags"] == []


def test_mns_attr_values(target):
    invalid = (
        {"QueueType": "lifo"},
        {"EnableLogging": "maybe"},
        {"SseType": "AES"},
        {"DlqPolicy": "[]"},
        {"TenantRateLimitPolicy": "not json"},
    )
    for attrs in invalid:
        expect(
            target.mns("CreateQueue", QueueName=target.new_queue_name(), **attrs),
            400,
            "InvalidParameter",
        )
    queue = target.create_queue(EnableLogging="FALSE", DlqPolicy='{"Enabled": false}')
    assert attributes(target, queue)["LoggingEnabled"] is False


def test_mns_logging_names(target):
    queue = target.create_queue(EnableLogging="false")
    data = attributes(target, queue)
    assert data["LoggingEnabled"] is False
    assert "EnableLogging" not in data
    ok(target.mns("SetQueueAttributes", QueueName=queue, EnableLogging="true"))
    assert attributes(target, queue)["LoggingEnabled"] is True


def test_mns_create_exists(target):
    queue = target.create_queue()
    expect(target.mns("CreateQueue", QueueName=queue), 409, "QueueAlreadyExist")


def test_mns_tags(target):
    tags = {"Tag.1.Key": "team", "Tag.1.Value": "media", "Tag.2.Key": "purpose", "Tag.2.Value": ""}
    queue = target.create_queue(**tags)
    assert attributes(target, queue)["Tags"] == [
        {"TagKey": "team", "TagValue": "media"},
        {"TagKey": "purpose", "TagValue": ""},
    ]
    reply = target.mns("CreateQueue", QueueName=target.new_queue_name(), **{"Tag.1.Value": "x"})
    expect(reply, 400, "MissingParameter")


def test_mns_not_found(target):
    missing = target.new_queue_name()
    for action, extra in (
        ("GetQueueAttributes", {}),
        ("SetQueueAttributes", {"DelaySeconds": "1"}),
        ("DeleteQueue", {}),
    ):
        expect(target.mns(action, QueueName=missing, **extra), 404, "QueueNotExist")


def test_mns_delete_missing(target):
    queue = target.create_queue()
    ok(target.mns("DeleteQueue", QueueName=queue))
    expect(target.mns("DeleteQueue", QueueName=queue), 404, "QueueNotExist")


def test_mns_set_patch(target):
    queue = target.create_queue(VisibilityTimeout="60", PollingWaitSeconds="5")
    before = attributes(target, queue)
    ok(target.mns("SetQueueAttributes", QueueName=queue, DelaySeconds="10"))
    after = attributes(target, queue)
    assert (after["VisibilityTimeout"], after["PollingWaitSeconds"], after["DelaySeconds"]) == (
        60,
        5,
        10,
    )
    assert after["LastModifyTime"] >= before["LastModifyTime"] >= before["CreateTime"]


def test_mns_get_fields(target):
    assert set(attributes(target, target.create_queue())) == GET_FIELDS


def test_mns_list_paging(target):
    names = target.new_queue_group(2)
    for name in names:
        ok(target.mns("CreateQueue", QueueName=name))
    stem = names[0][:-1]

    def page(**paging):
        return ok(target.mns("ListQueue", QueueName=stem, **paging)).body["Data"]

    data = page(PageSize="5", PageNum="0")
    assert {k: data[k] for k in ("PageNum", "PageSize", "Pages", "Size", "Total")} == {
        "PageNum": 1,
        "PageSize": 10,
        "Pages": 1,
        "Size": 2,
        "Total": 2,
    }
    assert [q["QueueName"] for q in data["PageData"]] == sorted(names)
    assert page(PageSize="500")["PageSize"] == 50
    assert page()["PageSize"] == 20
    assert page(PageNum="2")["PageData"] == []


def test_mns_list_filters(target):
    tagged, plain = target.new_queue_group(2)
    ok(
        target.mns(
            "CreateQueue", QueueName=tagged, **{"Tag.1.Key": "contract", "Tag.1.Value": "yes"}
        )
    )
    ok(target.mns("CreateQueue", QueueName=plain))
    stem = tagged[:-1]

    def listed(**filters):
        data = ok(target.mns("ListQueue", QueueName=stem, **filters)).body["Data"]
        return [q["QueueName"] for q in data["PageData"]]

    assert listed() == [tagged, plain]
    assert listed(**{"Tag.1.Key": "contract", "Tag.1.Value": "yes"}) == [tagged]
    assert listed(QueueType="normal") == [tagged, plain]
    assert listed(QueueType="fifo") == []


def test_mns_messages(emulator_target):
    queue = emulator_target.create_queue()
    ok(
        emulator_target.set_callback(
            CallbackType="MNS", CallbackQueueName=queue, EventTypeList=EVENTS
        )
    )
    control = emulator_target.control
    assert (
        control.fire_event(emulator_target.region, "FileUploadComplete")["outcome"] == "delivered"
    )
    peeked = control.receive_messages(emulator_target.region, queue, peek=True)
    assert len(peeked) == 1
    assert set(peeked[0]) == {
        "MessageId",
        "MessageBody",
        "MessageBodyMD5",
        "EnqueueTime",
        "FirstDequeueTime",
        "DequeueCount",
    }
    assert peeked[0]["MessageBodyMD5"].isupper()
    assert len(control.receive_messages(emulator_target.region, queue)) == 1
    assert control.receive_messages(emulator_target.region, queue) == []
