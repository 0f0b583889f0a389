"""fire-event: HTTP delivery (signed, retried) to a local receiver, and MNS delivery."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_mns_open20220119 import models as mns_models

from components.core.events import EVENT_NAMES
from emulator.control import EmulatorControlError
from emulator.delivery import EMULATOR_USER_ID
from emulator.signing import verify_callback
from emulator.testing import REPO_ROOT
from tests.emulator.helpers import callback_receiver, ice, mns

KEY = "TestKey001"
QUEUE = "ice-callback-events"


def configure_http(emu, url, *, auth=True, events="FileUploadComplete,ProduceMediaComplete"):
    extra = {"auth_switch": "on", "auth_key": KEY} if auth else {"auth_switch": "off"}
    request = ice_models.SetEventCallbackRequest(
        callback_type="HTTP", callback_url=url, event_type_list=events, **extra
    )
    ice(emu).set_event_callback(request)


def configure_mns(emu, region="cn-beijing", events="FileUploadComplete,ProduceMediaComplete"):
    mns(emu, region).create_queue(mns_models.CreateQueueRequest(queue_name=QUEUE))
    request = ice_models.SetEventCallbackRequest(
        callback_type="MNS", callback_queue_name=QUEUE, event_type_list=events
    )
    ice(emu, region).set_event_callback(request)


def test_signed_http_delivery_verifies_at_the_receiver(emu):
    with callback_receiver() as receiver:
        configure_http(emu, receiver.url)
        result = emu.control.fire_event("cn-beijing", "FileUploadComplete")
    assert (result["outcome"], result["channel"], result["target"]) == (
        "delivered",
        "HTTP",
        receiver.url,
    )
    assert result["attempts"] == [{"attempt": 1, "status": 200, "error": None}]
    [got] = receiver.requests
    assert got.path == "/ims/callback"
    ts, sig = got.headers["X-ICE-TIMESTAMP"], got.headers["X-ICE-SIGNATURE"]
    assert abs(int(ts) - time.time()) < 30
    assert re.fullmatch(r"[0-9a-f]{32}", sig)
    assert verify_callback(receiver.url, ts, KEY, sig)
    assert not verify_callback(receiver.url, ts, "OtherKey001", sig)
    assert got.headers["Content-Type"] == "application/json"
    assert got.body == result["envelope"]
    assert got.body["EventType"] == "FileUploadComplete"
    assert got.body["UserId"] == EMULATOR_USER_ID
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got.body["EventTime"])
    assert {"Status", "MediaId", "MediaType", "FileUrl", "Size", "AppId"} <= set(
        got.body["MessageBody"]
    )


def test_unsigned_delivery_when_auth_is_off_and_body_overrides(emu):
    with callback_receiver() as receiver:
        configure_http(emu, receiver.url, auth=False)
        result = emu.control.fire_event(
            "cn-beijing", "ProduceMediaComplete", {"JobId": "job-1", "UserData": '{"k":1}'}
        )
    [got] = receiver.requests
    assert result["outcome"] == "delivered"
    assert "X-ICE-SIGNATURE" not in got.headers
    assert "X-ICE-TIMESTAMP" not in got.headers
    body = got.body["MessageBody"]
    assert (body["JobId"], body["UserData"]) == ("job-1", '{"k":1}')
    assert {"ProjectId", "MediaURL", "ErrorCode", "ErrorMessage"} <= set(body)


def test_retries_until_http_200(emu):
    with callback_receiver() as receiver:
        receiver.statuses = [500, 204]
        configure_http(emu, receiver.url)
        started = time.monotonic()
        result = emu.control.fire_event("cn-beijing", "FileUploadComplete")
        elapsed = time.monotonic() - started
    assert result["outcome"] == "delivered"
    assert [(a["attempt"], a["status"]) for a in result["attempts"]] == [
        (1, 500),
        (2, 204),
        (3, 200),
    ]
    assert len(receiver.requests) == 3
    assert 2.0 <= elapsed < 4.0  # 1 s between attempts


def test_dropped_after_three_failed_attempts(emu):
    with callback_receiver() as receiver:
        receiver.statuses = [503, 503, 503, 200]
        configure_http(emu, receiver.url)
        result = emu.control.fire_event("cn-beijing", "FileUploadComplete")
    assert result["outcome"] == "failed"
    assert [a["error"] for a in result["attempts"]] == ["HTTP 503"] * 3
    assert len(receiver.requests) == 3


def test_only_subscribed_events_and_configured_regions_are_delivered(emu):
    with callback_receiver() as receiver:
        configure_http(emu, receiver.url, events="ProduceMediaComplete")
        skipped = emu.control.fire_event("cn-beijing", "FileUploadComplete")
        unconfigured = emu.control.fire_event("cn-shanghai", "ProduceMediaComplete")
    assert (skipped["outcome"], unconfigured["outcome"]) == ("not-subscribed", "not-configured")
    assert receiver.requests == []


def test_non_loopback_targets_are_refused(emu):
    configure_http(emu, "https://hooks.example.com/ims")
    result = emu.control.fire_event("cn-beijing", "FileUploadComplete")
    assert result["outcome"] == "failed"
    assert result["attempts"] == [
        {"attempt": 1, "status": None, "error": "RefusedNonLoopbackTarget"}
    ]


def test_every_catalogue_event_can_be_fired(emu):
    configure_mns(emu, events=",".join(sorted(EVENT_NAMES)))
    for event in sorted(EVENT_NAMES):
        assert emu.control.fire_event("cn-beijing", event)["outcome"] == "delivered", event
    messages = emu.control.receive_messages("cn-beijing", QUEUE, max_messages=100)
    assert sorted(json.loads(m["MessageBody"])["EventType"] for m in messages) == sorted(
        EVENT_NAMES
    )


def test_mns_delivery_and_receive(emu):
    configure_mns(emu, region="ap-southeast-1")
    result = emu.control.fire_event("ap-southeast-1", "FileUploadComplete")
    assert (result["outcome"], result["channel"], result["target"]) == ("delivered", "MNS", QUEUE)
    [peeked] = emu.control.receive_messages("ap-southeast-1", QUEUE, peek=True)
    [message] = emu.control.receive_messages("ap-southeast-1", QUEUE)
    assert message["MessageId"] == peeked["MessageId"] == result["message_id"]
    assert json.loads(message["MessageBody"]) == result["envelope"]
    assert message["DequeueCount"] == 2
    assert re.fullmatch(r"[0-9A-F]{32}", message["MessageBodyMD5"])
    assert emu.control.receive_messages("ap-southeast-1", QUEUE) == []


def test_mns_delivery_fails_when_the_queue_is_gone(emu):
    configure_mns(emu)
    mns(emu).delete_queue(mns_models.DeleteQueueRequest(queue_name=QUEUE))
    result = emu.control.fire_event("cn-beijing", "FileUploadComplete")
    assert result["outcome"] == "failed"
    assert [a["error"] for a in result["attempts"]] == ["QueueNotExist"] * 3


def test_admin_errors(emu):
    with pytest.raises(EmulatorControlError) as info:
        emu.control.fire_event("cn-beijing", "FileUploaded")
    assert info.value.status == 400
    with pytest.raises(EmulatorControlError) as info:
        emu.control.fire_event("mars-1", "FileUploadComplete")
    assert info.value.status == 400
    with pytest.raises(EmulatorControlError) as info:
        emu.control.receive_messages("cn-beijing", "ice-callback-none")
    assert info.value.status == 404


def run_cli(emu, *args):
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args, "--url", emu.base_url],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
        timeout=60,
    )


def test_cli_fire_event_and_receive_messages(emu):
    configure_mns(emu)
    fired = run_cli(emu, "fire-event", "--region", "cn-beijing", "--event", "ProduceMediaComplete")
    assert fired.returncode == 0, fired.stderr
    assert json.loads(fired.stdout)["outcome"] == "delivered"
    received = run_cli(emu, "receive-messages", "--region", "cn-beijing", "--queue", QUEUE)
    assert received.returncode == 0, received.stderr
    [message] = json.loads(received.stdout)
    assert json.loads(message["MessageBody"])["EventType"] == "ProduceMediaComplete"
    skipped = run_cli(emu, "fire-event", "--region", "cn-beijing", "--event", "SnapshotComplete")
    assert skipped.returncode == 1
    assert json.loads(skipped.stdout)["outcome"] == "not-subscribed"
