"""ICE SetEventCallback / GetEventCallback rules (ICE-*)."""

from __future__ import annotations

from components.core.fingerprint import fingerprint
from tests.contract.helpers import EVENTS, URL, expect, http, ok, stored

INVALID = (400, "InvalidParameter")
MISSING = (400, "MissingParameter")


def test_ice_region_scope(emulator_target):
    """Needs two regions, so emulator only: a live run touches one region."""
    ok(http(emulator_target))
    beijing = emulator_target.call("ice", "GetEventCallback", region="cn-beijing")
    assert ok(beijing).callback() == {}
    emulator_target.call(
        "ice",
        "SetEventCallback",
        {"CallbackType": "HTTP", "CallbackURL": URL + "/beijing"},
        region="cn-beijing",
    )
    assert stored(emulator_target)["CallbackURL"] == URL
    for action in ("CreateEventCallback", "DeleteEventCallback", "ListEventCallbacks"):
        expect(emulator_target.call("ice", action), 404, "InvalidAction.NotFound")


def test_ice_set_response(target):
    reply = ok(http(target, EventTypeList=EVENTS))
    assert reply.body["Success"] is True
    assert set(reply.body) == {"RequestId", "Success"}


def test_ice_set_put(target):
    key = target.new_auth_key()
    ok(http(target, EventTypeList=EVENTS, AuthSwitch="on", AuthKey=key))
    ok(target.set_callback(CallbackType="HTTP", CallbackURL=URL + "/v2"))
    assert stored(target) == {"CallbackType": "HTTP", "CallbackURL": URL + "/v2"}


def test_ice_set_empty_is_omitted(target):
    ok(http(target, AuthSwitch="", AuthKey="", CallbackQueueName="", EventTypeList=""))
    assert stored(target) == {"CallbackType": "HTTP", "CallbackURL": URL}


def test_ice_set_type_required(target):
    expect(target.set_callback(CallbackURL=URL, EventTypeList=EVENTS), *MISSING)
    expect(target.set_callback(CallbackType="", CallbackURL=URL), *MISSING)


def test_ice_set_type_values(target):
    for value in ("FTP", "http", "mns"):
        expect(target.set_callback(CallbackType=value, CallbackURL=URL), *INVALID)


def test_ice_set_url_required(target):
    expect(target.set_callback(CallbackType="HTTP", EventTypeList=EVENTS), *MISSING)


def test_ice_set_url_len(target):
    base = "https://ims-contract.invalid/"
    ok(target.set_callback(CallbackType="HTTP", CallbackURL=base + "a" * (256 - len(base))))
    expect(
        target.set_callback(CallbackType="HTTP", CallbackURL=base + "a" * (257 - len(base))),
        *INVALID,
    )


def test_ice_set_url_format(target):
    for url in (
        "ftp://ims-contract.invalid/callback",
        "ims-contract.invalid/callback",
        "https:///callback",
        "https://ims-contract.invalid/a b",
        "https://ims-contract.invalid/\u00fc",
    ):
        expect(target.set_callback(CallbackType="HTTP", CallbackURL=url), *INVALID)
    ok(target.set_callback(CallbackType="HTTP", CallbackURL="http://ims-contract.invalid/a?b=c"))


def test_ice_set_url_with_mns(target):
    queue = target.create_queue()
    ok(target.set_callback(CallbackType="MNS", CallbackQueueName=queue, CallbackURL=URL))
    assert stored(target) == {"CallbackType": "MNS", "CallbackQueueName": queue, "CallbackURL": URL}


def test_ice_set_authswitch_values(target):
    key = target.new_auth_key()
    for value in ("ON", "yes", "true"):
        expect(http(target, AuthSwitch=value, AuthKey=key), *INVALID)


def test_ice_set_authkey_required(target):
    expect(http(target, AuthSwitch="on"), *MISSING)


def test_ice_set_authkey_len(target):
    longest = "Ab1" + "x" * 29
    ok(http(target, AuthSwitch="on", AuthKey=longest))
    expect(http(target, AuthSwitch="on", AuthKey=longest + "y"), *INVALID)


def test_ice_set_authkey_chars(target):
    for key in ("abcdefgh1", "ABCDEFGH1", "Abcdefghi", "Abc-12345", "Abc 12345"):
        expect(http(target, AuthSwitch="on", AuthKey=key), *INVALID)
    ok(http(target, AuthSwitch="on", AuthKey="Ab1"))


def test_ice_set_events_known(target):
    for events in ("NoSuchEventComplete", " FileUploadComplete", "FileUploadComplete,", "a,,b"):
        expect(http(target, EventTypeList=events), *INVALID)


def test_ice_set_events_verbatim(target):
    events = "ProduceMediaComplete,FileUploadComplete,FileUploadComplete"
    ok(http(target, EventTypeList=events))
    assert stored(target)["EventTypeList"] == events


def test_ice_set_events_clear(target):
    ok(http(target, EventTypeList=EVENTS))
    ok(http(target, EventTypeList=""))
    assert "EventTypeList" not in stored(target)
    ok(http(target, EventTypeList=EVENTS))
    ok(http(target))
    assert "EventTypeList" not in stored(target)


def test_ice_set_queue_required(target):
    expect(target.set_callback(CallbackType="MNS", EventTypeList=EVENTS), *MISSING)


def test_ice_set_queue_prefix(target):
    suffix = target.new_queue_name()[len("ice-callback-") :]
    for queue in (f"contract-{suffix}", f"ice-callback{suffix}", f"ice-callback-{suffix}_x"):
        expect(target.set_callback(CallbackType="MNS", CallbackQueueName=queue), *INVALID)


def test_ice_set_queue_exists(target):
    missing = target.new_queue_name()
    expect(target.set_callback(CallbackType="MNS", CallbackQueueName=missing), *INVALID)
    expect(http(target, CallbackQueueName=missing), *INVALID)


def test_ice_set_atomic(target):
    key = target.new_auth_key()
    ok(http(target, EventTypeList=EVENTS, AuthSwitch="on", AuthKey=key))
    before = stored(target)
    expect(target.set_callback(CallbackType="HTTP", CallbackURL="ftp://x.invalid/"), *INVALID)
    expect(http(target, EventTypeList="NoSuchEventComplete"), *INVALID)
    assert stored(target) == before


def test_ice_set_error_codes(target):
    marker = "contract-echo-marker"
    replies = [
        target.set_callback(CallbackType="HTTP", CallbackURL=f"https://{marker}.invalid/ x"),
        target.set_callback(CallbackType="HTTP", CallbackURL=URL, EventTypeList=marker),
        target.set_callback(CallbackType=marker, CallbackURL=URL),
        target.set_callback(CallbackType="HTTP"),
    ]
    expected_parameter = ("CallbackURL", "EventTypeList", "CallbackType", "CallbackURL")
    for reply, parameter in zip(replies, expected_parameter, strict=True):
        assert reply.status == 400
        assert reply.code in ("InvalidParameter", "MissingParameter")
        assert parameter in reply.body["Message"]
        assert marker not in reply.body["Message"]


def test_ice_get_fields(target):
    queue = target.create_queue()
    key = target.new_auth_key()
    ok(http(target, CallbackQueueName=queue, EventTypeList=EVENTS, AuthSwitch="on", AuthKey=key))
    body = ok(target.get_callback()).body
    assert set(body) == {
        "RequestId",
        "CallbackType",
        "CallbackQueueName",
        "CallbackURL",
        "EventTypeList",
        "AuthSwitch",
        "AuthKey",
    }
    assert fingerprint(body["AuthKey"]) == fingerprint(key)  # returned in plain text


def test_ice_get_empty(target):
    if target.control is not None:  # a region the emulator never saw; live: see the probe
        assert set(ok(target.get_callback()).body) == {"RequestId"}
    ok(http(target))
    assert set(ok(target.get_callback()).body) == {"RequestId", "CallbackType", "CallbackURL"}


def test_ice_console_edit(emulator_target):
    ok(http(emulator_target, EventTypeList=EVENTS))
    emulator_target.control.console_edit(
        emulator_target.region,
        {"CallbackType": "FTP", "EventTypeList": "Anything"},
        ["CallbackURL"],
    )
    assert stored(emulator_target) == {"CallbackType": "FTP", "EventTypeList": "Anything"}
