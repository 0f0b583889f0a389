"""Catalogue of every documented IMS callback event (ice-api.md §2) and list helpers.

The event list on the wire is one comma-separated string; everywhere else we hold a
sorted, de-duplicated tuple so that order and duplicates never produce a diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_TRANSCODE_DEPRECATION = (
    "offline since 2025-12-31; use MediaConvertComplete (or "
    "MediaConvertOutputGroupComplete / MediaConvertOutputComplete) instead"
)


@dataclass(frozen=True)
class EventInfo:
    """One documented event: wire name, documentation group, description, deprecation."""

    name: str
    group: str
    description: str
    deprecated: str | None = None


_UPLOAD = "Media asset upload"
_MANAGE = "Media asset management"
_WORKFLOW = "Workflow"
_VOD = "VOD media processing"
_AI = "Video AI"
_EDIT = "Intelligent editing"
_LIVE = "Real-time media processing"

CATALOGUE: tuple[EventInfo, ...] = (
    EventInfo("FileUploadComplete", _UPLOAD, "An audio or video file has been uploaded"),
    EventInfo("UploadByURLComplete", _UPLOAD, "Upload from a URL has finished"),
    EventInfo("ImageUploadComplete", _UPLOAD, "An image has been uploaded"),
    EventInfo("AttachedMediaUploadComplete", _UPLOAD, "An auxiliary media asset has been uploaded"),
    EventInfo("RegisterStreamComplete", _UPLOAD, "A media stream has been registered"),
    EventInfo("StreamUploadComplete", _UPLOAD, "A media stream has been uploaded"),
    EventInfo("UploadStreamByURLComplete", _UPLOAD, "A media stream has been uploaded from a URL"),
    EventInfo("CreateAuditComplete", _MANAGE, "A manual review has finished"),
    EventInfo("RegisterMediaComplete", _MANAGE, "A media asset has been registered"),
    EventInfo("DeleteMediaComplete", _MANAGE, "A media asset has been deleted"),
    EventInfo("MediaBaseChangeComplete", _MANAGE, "A media asset's basic info has changed"),
    EventInfo("WorkflowTaskComplete", _WORKFLOW, "A workflow task has finished"),
    EventInfo("VideoAnalysisComplete", _VOD, "Audio/video analysis has finished"),
    EventInfo("SnapshotComplete", _VOD, "A snapshot job has finished"),
    EventInfo("DynamicImageComplete", _VOD, "An animated-image (GIF) job has finished"),
    EventInfo(
        "TranscodeComplete",
        _VOD,
        "A transcoding subtask has finished",
        _TRANSCODE_DEPRECATION,
    ),
    EventInfo(
        "TranscodeParentComplete",
        _VOD,
        "A transcoding parent task has finished",
        _TRANSCODE_DEPRECATION,
    ),
    EventInfo("MediaConvertComplete", _VOD, "A media-convert (transcode) job has finished"),
    EventInfo("MediaConvertOutputGroupComplete", _VOD, "A media-convert output group has finished"),
    EventInfo("MediaConvertOutputComplete", _VOD, "A single media-convert output has finished"),
    EventInfo("AIMediaAuditComplete", _AI, "An AI review has finished"),
    EventInfo("AIProduceComplete", _AI, "An AI production task has finished"),
    EventInfo(
        "MediaAiAnalysisComplete",
        _AI,
        "AI analysis of a media asset has finished and the result is stored",
    ),
    EventInfo(
        "ProduceMediaComplete",
        _EDIT,
        "Editing/production (SubmitMediaProducingJob) has finished",
    ),
    EventInfo(
        "BatchProduceMediaComplete",
        _EDIT,
        "A batch one-click intelligent production job has finished",
    ),
    EventInfo("LiveRecordFileCreated", _LIVE, "A live recording file has been generated"),
    EventInfo("LiveRecordTaskStatus", _LIVE, "A live recording task's status has changed"),
    EventInfo("LiveSnapshotFileCreated", _LIVE, "A live snapshot callback"),
)
"""Every named event of ice-api.md §2: 28 names (the doc's "27 named" miscounts its own
table; 25 + the three MediaConvert* names). The "intelligent task complete" event has no
documented name and is absent, as is the non-existent ``FileUploaded``."""

EVENT_NAMES: frozenset[str] = frozenset(e.name for e in CATALOGUE)

EVENTS_BY_NAME: dict[str, EventInfo] = {e.name: e for e in CATALOGUE}


def normalize_events(names: Iterable[str]) -> tuple[str, ...]:
    """Return the names stripped, sorted and de-duplicated (empty names dropped)."""
    return tuple(sorted({n.strip() for n in names if n.strip()}))


def parse_event_list(wire: str) -> tuple[str, ...]:
    """Parse the API's comma-separated ``EventTypeList`` (tolerates spaces and empties)."""
    return normalize_events(wire.split(",")) if wire else ()
