"""Event delivery as IMS does it: HTTP POST (optionally signed) or a message in the MNS queue.

Delivery semantics (ice-api.md §3, https://help.aliyun.com/document_detail/441362.html): one
attempt plus 2 retries 1 s apart, each HTTP attempt with a 3 s timeout and successful only on
HTTP 200; after the third failure the event is dropped. Rule ids (DLV-*): docs/api-contract.md.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict
from urllib.parse import urlsplit

from components.core.events import EVENT_NAMES, EVENTS_BY_NAME
from emulator.api import is_loopback_host
from emulator.errors import ApiError
from emulator.mns import enqueue_message
from emulator.signing import sign_callback
from emulator.state import StateStore

ATTEMPTS = 3
RETRY_INTERVAL_S = 1.0
HTTP_TIMEOUT_S = 3.0
EMULATOR_USER_ID = 1234567890123456
"""The ``UserId`` (a Long) of the emulated account."""

logger = logging.getLogger(__name__)

Outcome = Literal["delivered", "failed", "not-configured", "not-subscribed"]


class AttemptInfo(TypedDict):
    """One delivery attempt: HTTP status (HTTP only) or the error that prevented success."""

    attempt: int
    status: int | None
    error: str | None


class DeliveryResult(TypedDict):
    """What happened to one fired event."""

    region: str
    event: str
    outcome: Outcome
    channel: str | None
    target: str | None
    attempts: list[AttemptInfo]
    message_id: str | None
    envelope: dict[str, Any]


def message_body(event: str, region: str) -> dict[str, Any]:
    """A realistic ``MessageBody`` for ``event`` (shapes from the IMS event list doc)."""
    media_id = uuid.uuid4().hex
    group = EVENTS_BY_NAME[event].group
    if group == "Media asset upload":
        media_type = {"ImageUploadComplete": "image", "AttachedMediaUploadComplete": "attached"}
        return {
            "Status": "Success",
            "MediaId": media_id,
            "MediaType": media_type.get(event, "video"),
            "FileUrl": f"https://outin-{media_id[:12]}.oss-{region}.aliyuncs.com/sv/{media_id}.mp4",
            "Size": "5510872",
            "AppId": "app-1000000",
            "UserData": "",
        }
    if group == "Intelligent editing":
        return {
            "Status": "Success",
            "JobId": uuid.uuid4().hex,
            "ProjectId": uuid.uuid4().hex,
            "MediaId": media_id,
            "MediaURL": f"https://outin-{media_id[:12]}.oss-{region}.aliyuncs.com/produce/{media_id}.mp4",
            "ErrorCode": "",
            "ErrorMessage": "",
            "UserData": "",
        }
    return {"Status": "Success", "JobId": uuid.uuid4().hex, "MediaId": media_id}


def envelope(
    event: str, region: str, body_overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The event envelope shared by HTTP bodies and MNS messages (ice-api.md §2)."""
    return {
        "EventType": event,
        "UserId": EMULATOR_USER_ID,
        "EventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "MessageBody": {**message_body(event, region), **(body_overrides or {})},
    }


def _post(url: str, payload: bytes, auth_key: str | None) -> AttemptInfo:
    """One POST; header names exactly as documented (``X-ICE-*``), no proxy, no redirects."""
    headers = {"Content-Type": "application/json", "User-Agent": "ims-emulator"}
    if auth_key is not None:
        timestamp = int(time.time())
        headers["X-ICE-TIMESTAMP"] = str(timestamp)
        headers["X-ICE-SIGNATURE"] = sign_callback(url, timestamp, auth_key)
    parts = urlsplit(url)
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_type(parts.hostname or "", parts.port, timeout=HTTP_TIMEOUT_S)
    try:
        connection.request("POST", path, body=payload, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return {"attempt": 0, "status": None, "error": type(exc).__name__}
    finally:
        connection.close()
    return {"attempt": 0, "status": status, "error": None if status == 200 else f"HTTP {status}"}


@dataclass
class _Enqueue:
    """One MNS write attempt per call; remembers the id of the message written."""

    store: StateStore
    region: str
    queue: str
    payload: str
    message_id: str | None = None

    def __call__(self) -> AttemptInfo:
        try:
            message = enqueue_message(self.store, self.region, self.queue, self.payload)
        except ApiError as exc:
            return {"attempt": 0, "status": None, "error": exc.code}
        self.message_id = str(message["MessageId"])
        return {"attempt": 0, "status": None, "error": None}


def _with_retries(attempt: Callable[[], AttemptInfo]) -> list[AttemptInfo]:
    attempts: list[AttemptInfo] = []
    for n in range(1, ATTEMPTS + 1):
        if n > 1:
            time.sleep(RETRY_INTERVAL_S)
        result = attempt()
        result["attempt"] = n
        attempts.append(result)
        if result["error"] is None:
            break
    return attempts


def fire_event(
    store: StateStore,
    region: str,
    event: str,
    *,
    body_overrides: dict[str, Any] | None = None,
    allow_external: bool = False,
) -> DeliveryResult:
    """Deliver ``event`` in ``region`` per the region's callback configuration.

    Only subscribed events are delivered (DLV-SUBSCRIBED). HTTP targets other than loopback
    are refused unless ``allow_external`` (the emulator must not reach the internet).
    """
    if event not in EVENT_NAMES:
        raise ValueError(f"unknown event {event!r}")
    with store.view() as state:
        rs = state["regions"].get(region)
        config = dict(rs["callback"]) if rs else {}
    env = envelope(event, region, body_overrides)
    channel = config.get("CallbackType")
    result: DeliveryResult = {
        "region": region,
        "event": event,
        "outcome": "not-configured",
        "channel": channel,
        "target": None,
        "attempts": [],
        "message_id": None,
        "envelope": env,
    }
    if channel not in ("HTTP", "MNS"):
        return result
    if event not in config.get("EventTypeList", "").split(","):
        result["outcome"] = "not-subscribed"
        return result
    payload = json.dumps(env, separators=(",", ":"))
    if channel == "HTTP":
        url = config.get("CallbackURL", "")
        result["target"] = url
        auth_key = config.get("AuthKey") if config.get("AuthSwitch") == "on" else None
        host = urlsplit(url).hostname or ""
        if allow_external or is_loopback_host(host):
            result["attempts"] = _with_retries(lambda: _post(url, payload.encode(), auth_key))
        else:
            result["attempts"] = [
                {"attempt": 1, "status": None, "error": "RefusedNonLoopbackTarget"}
            ]
    else:
        enqueue = _Enqueue(store, region, config.get("CallbackQueueName", ""), payload)
        result["target"] = enqueue.queue
        result["attempts"] = _with_retries(enqueue)
        result["message_id"] = enqueue.message_id
    result["outcome"] = "delivered" if result["attempts"][-1]["error"] is None else "failed"
    logger.info(
        "fire-event region=%s event=%s channel=%s outcome=%s attempts=%d",
        region,
        event,
        channel,
        result["outcome"],
        len(result["attempts"]),
    )
    return result
