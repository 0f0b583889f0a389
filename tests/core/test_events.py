from __future__ import annotations

import pytest

from components.core.events import (
    CATALOGUE,
    EVENT_NAMES,
    EVENTS_BY_NAME,
    format_event_list,
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


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ((), ""),
        (["B", "A", "B"], "A,B"),
        (["FileUploadComplete"], "FileUploadComplete"),
    ],
)
def test_format_event_list(events, expected):
    assert format_event_list(events) == expected


def test_format_then_parse_round_trips():
    events = normalize_events(["TranscodeComplete", "FileUploadComplete", "FileUploadComplete"])
    assert parse_event_list(format_event_list(events)) == events
