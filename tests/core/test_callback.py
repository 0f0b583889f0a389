from __future__ import annotations

import pytest

from components.core.callback import CallbackSetting, parse_callback_type
from components.core.fingerprint import fingerprint

KEY = "TestKey001"
HTTP = CallbackSetting(
    "HTTP",
    url="https://hooks.example.com/ims",
    events=("ProduceMediaComplete", "FileUploadComplete"),
    auth_enabled=True,
    auth_key=KEY,
)
MNS = CallbackSetting("MNS", queue_name="ice-callback-prod", events=("FileUploadComplete",))


def test_events_are_normalised_on_construction():
    setting = CallbackSetting("MNS", events=("B", "A", "B"))
    assert setting.events == ("A", "B")
    assert setting == CallbackSetting("MNS", events=("A", "B"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("  ", None), ("HTTP", "HTTP"), ("mns", "MNS"), (" Http ", "HTTP")],
)
def test_parse_callback_type(value, expected):
    assert parse_callback_type(value) == expected


@pytest.mark.parametrize("value", ["KAFKA", 3])
def test_parse_callback_type_rejects_unknown(value):
    with pytest.raises(ValueError, match="expected HTTP or MNS"):
        parse_callback_type(value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, CallbackSetting(None)),
        (
            {"CallbackType": None, "CallbackURL": None, "EventTypeList": None, "AuthSwitch": None},
            CallbackSetting(None),
        ),
        (
            {
                "RequestId": "r",
                "CallbackType": "HTTP",
                "CallbackURL": "https://hooks.example.com/ims",
                "CallbackQueueName": "ice-callback-stale",
                "EventTypeList": "ProduceMediaComplete, FileUploadComplete",
                "AuthSwitch": "on",
                "AuthKey": KEY,
            },
            CallbackSetting(
                "HTTP",
                url="https://hooks.example.com/ims",
                queue_name="ice-callback-stale",
                events=("FileUploadComplete", "ProduceMediaComplete"),
                auth_enabled=True,
                auth_key=KEY,
            ),
        ),
        (
            {"CallbackType": "MNS", "CallbackQueueName": "ice-callback-q", "AuthSwitch": "off"},
            CallbackSetting("MNS", queue_name="ice-callback-q"),
        ),
        ({"AuthSwitch": "ON"}, CallbackSetting(None, auth_enabled=True)),
        ({"AuthSwitch": True}, CallbackSetting(None, auth_enabled=True)),
        ({"AuthSwitch": "garbage"}, CallbackSetting(None)),
    ],
)
def test_from_api(body, expected):
    assert CallbackSetting.from_api(body) == expected


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            HTTP,
            {
                "CallbackType": "HTTP",
                "CallbackURL": "https://hooks.example.com/ims",
                "EventTypeList": "FileUploadComplete,ProduceMediaComplete",
                "AuthSwitch": "on",
                "AuthKey": KEY,
            },
        ),
        (
            CallbackSetting("HTTP", url="https://h/", events=("A",), auth_key=KEY),
            {
                "CallbackType": "HTTP",
                "CallbackURL": "https://h/",
                "EventTypeList": "A",
                "AuthSwitch": "off",
            },
        ),
        (
            CallbackSetting("HTTP", url="https://h/", events=("A",), auth_enabled=True),
            {
                "CallbackType": "HTTP",
                "CallbackURL": "https://h/",
                "EventTypeList": "A",
                "AuthSwitch": "on",
            },
        ),
        (
            CallbackSetting(
                "MNS",
                url="https://ignored",
                queue_name="ice-callback-q",
                events=("A",),
                auth_enabled=True,
                auth_key=KEY,
            ),
            {"CallbackType": "MNS", "CallbackQueueName": "ice-callback-q", "EventTypeList": "A"},
        ),
        (CallbackSetting(None), {"EventTypeList": ""}),
    ],
)
def test_to_api(setting, expected):
    assert setting.to_api() == expected


@pytest.mark.parametrize("setting", [HTTP, MNS])
def test_api_round_trip(setting):
    assert CallbackSetting.from_api(setting.to_api()) == setting


@pytest.mark.parametrize(
    "setting", [HTTP, MNS, CallbackSetting(None), CallbackSetting("HTTP", url="u")]
)
def test_state_round_trip(setting):
    assert CallbackSetting.from_state(setting.to_state()) == setting


def test_to_state_shape():
    assert HTTP.to_state() == {
        "callbackType": "HTTP",
        "url": "https://hooks.example.com/ims",
        "queueName": "",
        "events": ["FileUploadComplete", "ProduceMediaComplete"],
        "authEnabled": True,
        "authKey": KEY,
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({}, CallbackSetting(None)),
        ({"callbackType": "MNS", "events": "B,A"}, CallbackSetting("MNS", events=("A", "B"))),
        ({"events": None, "authKey": None}, CallbackSetting(None)),
    ],
)
def test_from_state_tolerates_partial_state(state, expected):
    assert CallbackSetting.from_state(state) == expected


@pytest.mark.parametrize(
    ("setting", "empty"),
    [
        (CallbackSetting(None), True),
        (CallbackSetting.from_api({}), True),
        (CallbackSetting(None, events=("A",)), False),
        (CallbackSetting(None, queue_name="ice-callback-old"), False),
        (CallbackSetting("MNS"), False),
        (CallbackSetting(None, auth_key="k"), False),
    ],
)
def test_is_empty(setting, empty):
    assert setting.is_empty is empty


def test_redacted_hides_key():
    redacted = HTTP.redacted()
    assert redacted["authKey"] == fingerprint(KEY)
    assert KEY not in str(redacted)
    assert {k: v for k, v in redacted.items() if k != "authKey"} == {
        k: v for k, v in HTTP.to_state().items() if k != "authKey"
    }


def test_repr_and_str_never_show_key():
    assert KEY not in repr(HTTP)
    assert KEY not in str(HTTP)
    assert KEY not in repr([HTTP])
