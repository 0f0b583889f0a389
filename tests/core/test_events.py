from __future__ import annotations

import pytest

from components.core.callback import CallbackSetting
from components.core.events import (
    CATALOGUE,
    EVENT_NAMES,
    EVENTS_BY_NAME,
    normalize_events,
    parse_event_list,
)


def test_catalogue_has_every_named_event_once():
    # ice-api.md §2 says "27 named" but its table names 28 (25 + 3 MediaConvert*).
    assert len(CATALOGUE) == 28
    assert len(EVENT_NAMES) == len(CATALOGUE)


@pytest.mark.parametrize(
    "name",
    [
        "FileUploadComplete",
        "ProduceMediaComplete",
        "MediaConvertComplete",
        "LiveSnapshotFileCreated",
    ],
)
def test_known_events_present(name):
    assert name in EVENT_NAMES


@pytest.mark.parametrize("name", ["FileUploaded", "", "fileuploadcomplete", "ALL"])
def test_non_events_absent(name):
    assert name not in EVENT_NAMES


def test_only_transcode_events_are_deprecated():
    deprecated = {e.name for e in CATALOGUE if e.deprecated}
    assert deprecated == {"TranscodeComplete", "TranscodeParentComplete"}
    message = EVENTS_BY_NAME["TranscodeComplete"].deprecated
    assert message is not None
    assert message.startswith("offline since 2025-12-31; use MediaConvertComplete")


def test_every_event_has_group_and_description():
    assert all(e.group and e.description for e in CATALOGUE)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([], ()),
        (["B", "A"], ("A", "B")),
        (["A", "A", "B"], ("A", "B")),
        ([" A ", "A", ""], ("A",)),
        (("B", "A"), ("A", "B")),
    ],
)
def test_normalize_events(names, expected):
    assert normalize_events(names) == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("", ()),
        (",", ()),
        ("ProduceMediaComplete", ("ProduceMediaComplete",)),
        ("ProduceMediaComplete,TranscodeComplete", ("ProduceMediaComplete", "TranscodeComplete")),
        (
            " TranscodeComplete , ProduceMediaComplete,,",
            ("ProduceMediaComplete", "TranscodeComplete"),
        ),
        ("A,A", ("A",)),
    ],
)
def test_parse_event_list(wire, expected):
    assert parse_event_list(wire) == expected


def test_callback_setting_sends_events_in_the_order_it_read_them():
    live = CallbackSetting.from_api({"CallbackType": "HTTP", "EventTypeList": "B,A,B"})
    assert live.events == ("A", "B")
    assert live.wire_order == ("B", "A")
    assert live.to_api()["EventTypeList"] == "B,A"
    assert CallbackSetting("HTTP", events=("B", "A")).to_api()["EventTypeList"] == "A,B"
