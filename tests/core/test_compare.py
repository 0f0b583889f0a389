from __future__ import annotations

import itertools

import pytest

from components.core.callback import CallbackSetting
from components.core.compare import FieldDiff, compare, compared_fields
from components.core.fingerprint import fingerprint

KEY, OTHER_KEY = "TestKey001", "TestKey002"
URL = "https://hooks.example.com/ims"
HTTP = CallbackSetting("HTTP", url=URL, events=("A", "B"), auth_enabled=True, auth_key=KEY)
MNS = CallbackSetting("MNS", queue_name="ice-callback-q", events=("A",))
NONE = CallbackSetting(None)


@pytest.mark.parametrize(
    ("desired", "fields"),
    [
        (HTTP, ("callbackType", "url", "events", "authEnabled", "authKey")),
        (
            CallbackSetting("HTTP", url=URL, auth_enabled=True),
            ("callbackType", "url", "events", "authEnabled"),
        ),
        (
            CallbackSetting("HTTP", url=URL, auth_key=KEY),
            ("callbackType", "url", "events", "authEnabled"),
        ),
        (MNS, ("callbackType", "queueName", "events")),
        (NONE, ("callbackType", "events")),
    ],
)
def test_compared_fields(desired, fields):
    assert compared_fields(desired) == fields


@pytest.mark.parametrize("setting", [HTTP, MNS, NONE])
def test_equal_settings_have_no_diff(setting):
    assert compare(setting, setting) == ()


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        (
            CallbackSetting(
                "HTTP", url=URL, events=("B", "A", "A"), auth_enabled=True, auth_key=KEY
            ),
            (),
        ),
        (
            CallbackSetting(
                "HTTP",
                url=URL,
                queue_name="stale",
                events=("A", "B"),
                auth_enabled=True,
                auth_key=KEY,
            ),
            (),
        ),
        (
            CallbackSetting(
                "HTTP", url="https://other", events=("A", "B"), auth_enabled=True, auth_key=KEY
            ),
            (FieldDiff("url", URL, "https://other"),),
        ),
        (
            CallbackSetting("HTTP", url=URL, events=("A",), auth_enabled=True, auth_key=KEY),
            (FieldDiff("events", "A, B", "A"),),
        ),
        (
            CallbackSetting("HTTP", url=URL, events=("A", "B"), auth_enabled=False, auth_key=KEY),
            (FieldDiff("authEnabled", "on", "off"),),
        ),
        (
            CallbackSetting(
                "HTTP", url=URL, events=("A", "B"), auth_enabled=True, auth_key=OTHER_KEY
            ),
            (FieldDiff("authKey", fingerprint(KEY), fingerprint(OTHER_KEY)),),
        ),
        (
            CallbackSetting("HTTP", url=URL, events=("A", "B"), auth_enabled=True),
            (FieldDiff("authKey", fingerprint(KEY), "(none)"),),
        ),
        (
            MNS,
            (
                FieldDiff("callbackType", "HTTP", "MNS"),
                FieldDiff("url", URL, "(none)"),
                FieldDiff("events", "A, B", "A"),
                FieldDiff("authEnabled", "on", "off"),
                FieldDiff("authKey", fingerprint(KEY), "(none)"),
            ),
        ),
        (
            NONE,
            (
                FieldDiff("callbackType", "HTTP", "(none)"),
                FieldDiff("url", URL, "(none)"),
                FieldDiff("events", "A, B", "(none)"),
                FieldDiff("authEnabled", "on", "off"),
                FieldDiff("authKey", fingerprint(KEY), "(none)"),
            ),
        ),
    ],
)
def test_compare_http(live, expected):
    assert compare(HTTP, live) == expected


@pytest.mark.parametrize(
    ("desired", "live", "expected"),
    [
        # auth off: the key is not compared, whatever it is
        (
            CallbackSetting("HTTP", url=URL, events=("A",)),
            CallbackSetting("HTTP", url=URL, events=("A",), auth_key=OTHER_KEY),
            (),
        ),
        # auth on but desired key unknown (generated / encrypted): not compared
        (
            CallbackSetting("HTTP", url=URL, events=("A",), auth_enabled=True),
            CallbackSetting("HTTP", url=URL, events=("A",), auth_enabled=True, auth_key=OTHER_KEY),
            (),
        ),
    ],
)
def test_compare_http_auth_key_rules(desired, live, expected):
    assert compare(desired, live) == expected


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        (
            CallbackSetting(
                "MNS",
                url="https://stale",
                queue_name="ice-callback-q",
                events=("A",),
                auth_enabled=True,
                auth_key=OTHER_KEY,
            ),
            (),
        ),
        (
            CallbackSetting("MNS", queue_name="ice-callback-other", events=("A",)),
            (FieldDiff("queueName", "ice-callback-q", "ice-callback-other"),),
        ),
        (
            CallbackSetting("MNS", queue_name="ice-callback-q", events=("A", "C")),
            (FieldDiff("events", "A", "A, C"),),
        ),
        (
            CallbackSetting(None, queue_name="ice-callback-q", events=("A",)),
            (FieldDiff("callbackType", "MNS", "(none)"),),
        ),
        (
            HTTP,
            (
                FieldDiff("callbackType", "MNS", "HTTP"),
                FieldDiff("queueName", "ice-callback-q", "(none)"),
                FieldDiff("events", "A", "A, B"),
            ),
        ),
    ],
)
def test_compare_mns(live, expected):
    assert compare(MNS, live) == expected


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        (NONE, ()),
        (CallbackSetting(None, url="https://stale", queue_name="ice-callback-stale"), ()),
        (CallbackSetting(None, events=("A",)), (FieldDiff("events", "(none)", "A"),)),
        (
            MNS,
            (FieldDiff("callbackType", "(none)", "MNS"), FieldDiff("events", "(none)", "A")),
        ),
    ],
)
def test_compare_nothing_desired(live, expected):
    assert compare(NONE, live) == expected


SETTINGS = [
    HTTP,
    MNS,
    NONE,
    CallbackSetting("HTTP", url=URL, events=("B",), auth_enabled=True, auth_key=OTHER_KEY),
    CallbackSetting("HTTP", url=URL, events=("A", "B")),
    CallbackSetting("MNS", queue_name="ice-callback-x"),
]


@pytest.mark.parametrize(("desired", "live"), list(itertools.product(SETTINGS, SETTINGS)))
def test_compare_properties(desired, live):
    diffs = compare(desired, live)
    names = [d.field for d in diffs]
    order = compared_fields(desired)
    assert names == [f for f in order if f in names]  # deterministic order, subset
    assert (desired == live) <= (diffs == ())
    for secret in (KEY, OTHER_KEY):
        assert all(secret not in str(d) and secret not in repr(d) for d in diffs)
    assert all(d.desired != d.live for d in diffs)


def test_field_diff_str():
    assert str(FieldDiff("url", "https://new", "https://old")) == "url: https://old -> https://new"
