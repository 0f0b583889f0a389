"""Probes of the open questions (ice-api.md §8): they record what a target answers.

Each ``probe_*`` function (those of questions 1 and 2 are in contract/probes.py, shared with
``python -m contract check-account``) returns ``{aspect: observed}`` (aspects: contract.probes)
and never asserts a belief; the tests only record, so a probe passes whatever it observes.
"""

from __future__ import annotations

import base64
import binascii
import json
from types import SimpleNamespace

import pytest

from components.aliyun.errors import CloudError
from components.core.events import EVENT_NAMES
from contract.probes import (
    NOT_OBSERVABLE,
    UNCONFIRMED_REGIONS,
    probe_empty_events,
    probe_set_patch_or_put,
)
from contract.report import ContractReport
from contract.target import NO_RETRY, Reply, Target
from emulator.signing import sign_callback
from tests.contract.conftest import Observer
from tests.contract.helpers import EVENTS, http, ok
from tests.emulator.helpers import callback_receiver

NO_EVENTS_LIVE = f"{NOT_OBSERVABLE}: needs a real IMS event, which the live run never produces"


def baseline(target: Target) -> dict[str, str]:
    """The region's callback fields before the run touched it (emulator: a reset region)."""
    initial = target.initial or ok(target.get_callback())
    return initial.callback()


def probe_set_validation(target: Target) -> dict[str, str]:
    codes: set[str] = set()

    def check(reply: Reply) -> str:
        if reply.ok:
            return "accept"
        codes.add(reply.code)
        return "reject"

    missing = target.new_queue_name()
    values = {
        "ICE-SET-EVENTS-KNOWN": check(http(target, EventTypeList="ContractUnknownComplete")),
        "ICE-SET-QUEUE-EXISTS": check(
            target.set_callback(CallbackType="MNS", CallbackQueueName=missing)
        ),
        "ICE-SET-QUEUE-PREFIX": check(
            target.set_callback(CallbackType="MNS", CallbackQueueName="contract-" + missing[13:])
        ),
        "ICE-SET-AUTHKEY-CHARS": check(http(target, AuthSwitch="on", AuthKey="abcdefgh")),
    }
    values["error codes"] = ",".join(sorted(codes)) or "none"
    return values


def probe_get_never_configured(target: Target) -> dict[str, str]:
    fields = baseline(target)
    if fields.get("CallbackType"):
        value = f"{NOT_OBSERVABLE}: the region was already configured"
    elif not fields:
        value = "absent"
    elif not any(fields.values()):
        value = "empty"
    else:
        value = f"other: fields {', '.join(sorted(fields))}"
    return {"ICE-GET-EMPTY": value}


def probe_mns_queue_kinds(target: Target) -> dict[str, str]:
    def as_callback_target(**attributes: str) -> str:
        name = target.new_queue_name()
        created = target.mns("CreateQueue", QueueName=name, **attributes)
        if not created.ok:
            return f"{NOT_OBSERVABLE}: CreateQueue answered {created.outcome}"
        reply = target.set_callback(CallbackType="MNS", CallbackQueueName=name)
        return "accepted" if reply.ok else f"rejected ({reply.code})"

    return {
        "FIFO queue as callback target": as_callback_target(QueueType="fifo"),
        "SSE queue as callback target": as_callback_target(EnableSSE="true", SseType="SMQ"),
        "role IMS writes with": f"{NOT_OBSERVABLE}: no API reports it",
    }


def probe_region_endpoints(target: Target) -> dict[str, str]:
    values = {}
    for region in UNCONFIRMED_REGIONS:
        try:
            reply = target.call("ice", "GetEventCallback", region=region, retry=NO_RETRY)
        except CloudError as exc:
            value = f"missing ({exc.code})"
        else:
            value = "exists" if reply.code != "InvalidRegionId" else "missing (InvalidRegionId)"
        values[f"ice.{region}.aliyuncs.com"] = value
    return values


def probe_intelligent_event(target: Target) -> dict[str, str]:
    listed = baseline(target).get("EventTypeList", "").split(",")
    unknown = [name for name in listed if name and name not in EVENT_NAMES]
    return {
        "event names outside the catalogue in the region's setting": ",".join(unknown) or "none"
    }


def probe_mns_base64(target: Target) -> dict[str, str]:
    if target.control is None:
        return {"DLV-MNS-BODY": NO_EVENTS_LIVE}
    queue = target.create_queue()
    ok(target.set_callback(CallbackType="MNS", CallbackQueueName=queue, EventTypeList=EVENTS))
    target.control.fire_event(target.region, "FileUploadComplete")
    (message,) = target.control.receive_messages(target.region, queue)
    body = message["MessageBody"]
    try:
        json.loads(body)
    except ValueError:
        try:
            json.loads(base64.b64decode(body, validate=True))
        except (ValueError, binascii.Error):
            return {"DLV-MNS-BODY": "other"}
        return {"DLV-MNS-BODY": "base64"}
    return {"DLV-MNS-BODY": "raw JSON"}


def probe_signed_query(target: Target) -> dict[str, str]:
    if target.control is None:
        return {"DLV-HTTP-SIGN query string": NO_EVENTS_LIVE}
    key = target.new_auth_key()
    with callback_receiver("/ims/callback?tenant=contract") as receiver:
        auth = {"AuthSwitch": "on", "AuthKey": key}
        ok(
            target.set_callback(
                CallbackType="HTTP", CallbackURL=receiver.url, EventTypeList=EVENTS, **auth
            )
        )
        target.control.fire_event(target.region, "FileUploadComplete")
    headers = receiver.requests[0].headers
    timestamp, signature = int(headers["X-ICE-TIMESTAMP"]), headers["X-ICE-SIGNATURE"]
    variants = {
        "included": receiver.url,
        "excluded": receiver.url.split("?", 1)[0],
    }
    matches = [
        name for name, url in variants.items() if sign_callback(url, timestamp, key) == signature
    ]
    return {"DLV-HTTP-SIGN query string": matches[0] if matches else "other"}


def run(target: Target, observe, probe, note: str = "") -> None:
    """Record ``probe``'s observation. On a real account a failed precondition (e.g. the
    service refusing the test URL) is recorded too; on the emulator it is a bug and fails."""
    try:
        values = probe(target)
    except AssertionError as exc:
        if target.control is not None:
            raise
        reason = str(exc).splitlines()[0]
        values = dict.fromkeys(
            observe.aspects, f"{NOT_OBSERVABLE}: a precondition failed: {reason}"
        )
    observe(values, note)


def test_probe_empty_events(target, observe):
    run(target, observe, probe_empty_events)


def test_probe_set_patch_or_put(target, observe):
    run(target, observe, probe_set_patch_or_put)


def test_probe_set_validation(target, observe):
    run(
        target,
        observe,
        probe_set_validation,
        "the prefix check uses a queue that does not exist either",
    )


def test_probe_get_never_configured(target, observe):
    run(target, observe, probe_get_never_configured)


def test_probe_mns_queue_kinds(target, observe):
    run(target, observe, probe_mns_queue_kinds)


def test_probe_region_endpoints(target, observe):
    run(
        target,
        observe,
        probe_region_endpoints,
        "one read-only GetEventCallback per region; only its status is kept",
    )


def test_probe_intelligent_event(target, observe):
    run(target, observe, probe_intelligent_event)


def test_probe_mns_base64(target, observe):
    run(target, observe, probe_mns_base64)


def test_probe_signed_query(target, observe):
    run(target, observe, probe_signed_query)


def test_a_failed_precondition_is_recorded_on_a_real_account_and_fails_on_the_emulator(
    emulator_target,
):
    report = ContractReport("run")
    observer = Observer(report, "PROBE-MNS-BASE64", "live")

    def refused(_target):
        raise AssertionError("expected success, got 400 InvalidParameter: CallbackURL")

    live_like = SimpleNamespace(control=None)
    run(live_like, observer, refused)
    assert report.probes["PROBE-MNS-BASE64"]["live"]["values"] == {
        "DLV-MNS-BODY": f"{NOT_OBSERVABLE}: a precondition failed: expected success, got 400"
        " InvalidParameter: CallbackURL"
    }
    with pytest.raises(AssertionError):
        run(emulator_target, observer, refused)
