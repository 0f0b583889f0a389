"""Event delivery rules (DLV-*): emulator only, a live run never produces IMS events."""

from __future__ import annotations

import json
import re

from emulator.signing import sign_callback, verify_callback
from tests.contract.helpers import EVENTS, ok
from tests.emulator.helpers import callback_receiver

UPLOAD_FIELDS = {"Status", "MediaId", "MediaType", "FileUrl", "Size", "AppId", "UserData"}
EDIT_FIELDS = {
    "Status",
    "JobId",
    "ProjectId",
    "MediaId",
    "MediaURL",
    "ErrorCode",
    "ErrorMessage",
    "UserData",
}


def to_receiver(target, url, **extra):
    ok(target.set_callback(CallbackType="HTTP", CallbackURL=url, EventTypeList=EVENTS, **extra))


def fire(target, event="FileUploadComplete", **body):
    return target.control.fire_event(target.region, event, body or None)


def test_dlv_envelope(emulator_target):
    with callback_receiver() as receiver:
        to_receiver(emulator_target, receiver.url)
        assert fire(emulator_target)["outcome"] == "delivered"
        assert fire(emulator_target, "ProduceMediaComplete")["outcome"] == "delivered"
    upload, produce = (r.body for r in receiver.requests)
    assert set(upload) == {"EventType", "UserId", "EventTime", "MessageBody"}
    assert isinstance(upload["UserId"], int)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", upload["EventTime"])
    assert set(upload["MessageBody"]) == UPLOAD_FIELDS
    assert set(produce["MessageBody"]) == EDIT_FIELDS


def test_dlv_subscribed(emulator_target):
    assert fire(emulator_target)["outcome"] == "not-configured"
    with callback_receiver() as receiver:
        to_receiver(emulator_target, receiver.url)
        assert fire(emulator_target, "SnapshotComplete")["outcome"] == "not-subscribed"
        assert fire(emulator_target)["outcome"] == "delivered"
    assert len(receiver.requests) == 1


def test_dlv_http_sign(emulator_target):
    key = emulator_target.new_auth_key()
    with callback_receiver("/ims/callback?tenant=a") as receiver:
        to_receiver(emulator_target, receiver.url, AuthSwitch="on", AuthKey=key)
        fire(emulator_target)
    headers = receiver.requests[0].headers
    timestamp, signature = headers["X-ICE-TIMESTAMP"], headers["X-ICE-SIGNATURE"]
    assert re.fullmatch(r"[0-9a-f]{32}", signature)
    assert signature == sign_callback(receiver.url, int(timestamp), key)
    assert verify_callback(receiver.url, timestamp, key, signature)


def test_dlv_http_unsigned(emulator_target):
    with callback_receiver() as receiver:
        to_receiver(emulator_target, receiver.url, AuthSwitch="off")
        fire(emulator_target)
    assert not any(h.upper().startswith("X-ICE-") for h in receiver.requests[0].headers)


def test_dlv_http_success(emulator_target):
    with callback_receiver() as receiver:
        receiver.statuses.extend([204, 500, 500])
        to_receiver(emulator_target, receiver.url)
        failed = fire(emulator_target)
        delivered = fire(emulator_target)
    assert failed["outcome"] == "failed"
    assert [a["status"] for a in failed["attempts"]] == [204, 500, 500]
    assert delivered["outcome"] == "delivered"
    request = receiver.requests[-1]
    assert request.headers["Content-Type"] == "application/json"


def test_dlv_http_no_redirect(emulator_target):
    with callback_receiver() as receiver:
        receiver.statuses.append(302)
        to_receiver(emulator_target, receiver.url)
        result = fire(emulator_target)
    assert [a["status"] for a in result["attempts"]] == [302, 200]
    assert {r.path for r in receiver.requests} == {"/ims/callback"}


def test_dlv_mns_body(emulator_target):
    queue = emulator_target.create_queue()
    ok(
        emulator_target.set_callback(
            CallbackType="MNS", CallbackQueueName=queue, EventTypeList=EVENTS
        )
    )
    fire(emulator_target)
    (message,) = emulator_target.control.receive_messages(emulator_target.region, queue)
    assert json.loads(message["MessageBody"])["EventType"] == "FileUploadComplete"


def test_dlv_mns_retry(emulator_target):
    queue = emulator_target.create_queue(MaximumMessageSize="1024")
    ok(
        emulator_target.set_callback(
            CallbackType="MNS", CallbackQueueName=queue, EventTypeList=EVENTS
        )
    )
    oversize = fire(emulator_target, UserData="x" * 2000)
    assert [a["error"] for a in oversize["attempts"]] == ["InvalidArgument"] * 3
    ok(emulator_target.mns("DeleteQueue", QueueName=queue))
    gone = fire(emulator_target)
    assert (gone["outcome"], gone["attempts"][-1]["error"]) == ("failed", "QueueNotExist")


def test_dlv_loopback(emulator_target):
    ok(
        emulator_target.set_callback(
            CallbackType="HTTP", CallbackURL="https://ims-contract.invalid/x", EventTypeList=EVENTS
        )
    )
    result = fire(emulator_target)
    assert result["attempts"] == [
        {"attempt": 1, "status": None, "error": "RefusedNonLoopbackTarget"}
    ]
