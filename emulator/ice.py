"""ICE 2020-11-09 SetEventCallback / GetEventCallback, one configuration per region.

Rule ids (ICE-*) refer to docs/api-contract.md; the switchable ones (apispec/assumptions.py)
follow the ``Assumptions`` the emulator was started with.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from apispec.assumptions import DOCUMENTED, Assumptions
from components.core.events import EVENT_NAMES
from emulator.api import Handler, Params
from emulator.errors import invalid_parameter, missing_parameter
from emulator.mns import is_valid_queue_name
from emulator.state import StateStore, region_state

CALLBACK_FIELDS = (
    "CallbackType",
    "CallbackQueueName",
    "CallbackURL",
    "EventTypeList",
    "AuthSwitch",
    "AuthKey",
)
CALLBACK_TYPES = ("HTTP", "MNS")
AUTH_SWITCH_VALUES = ("on", "off")
URL_MAX_BYTES = 256
AUTH_KEY_MAX = 32
QUEUE_PREFIX = "ice-callback-"
_AUTH_KEY_RE = re.compile(r"(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9]+")
_URL_CHARS_RE = re.compile(r"[\x21-\x7e]+")


def _validate_url(url: str) -> None:
    """ICE-SET-URL-LEN, ICE-SET-URL-FORMAT."""
    if len(url.encode("utf-8")) > URL_MAX_BYTES:
        raise invalid_parameter("CallbackURL", f"It must be at most {URL_MAX_BYTES} bytes.")
    parts = urlsplit(url)
    absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
    if not (absolute and _URL_CHARS_RE.fullmatch(url)):
        raise invalid_parameter("CallbackURL", "It must be one absolute http(s) URL.")


def _validate_auth_key(key: str) -> None:
    """ICE-SET-AUTHKEY-LEN, ICE-SET-AUTHKEY-CHARS."""
    if len(key) > AUTH_KEY_MAX or not _AUTH_KEY_RE.fullmatch(key):
        raise invalid_parameter(
            "AuthKey",
            f"It must be at most {AUTH_KEY_MAX} letters and digits with upper case, "
            "lower case and digits.",
        )


def _validate_events(event_list: str) -> None:
    """ICE-SET-EVENTS-KNOWN: every comma-separated item is a catalogue event name."""
    if any(item not in EVENT_NAMES for item in event_list.split(",")):
        raise invalid_parameter("EventTypeList", "It contains an unknown event name.")


def _requested(stored: dict[str, str], params: Params, assume: Assumptions) -> dict[str, str]:
    """The configuration a Set asks for: ICE-SET-PUT (or patch), ICE-SET-EVENTS-CLEAR."""
    given = {name: params[name] for name in CALLBACK_FIELDS if params.get(name)}
    fields = given if assume.variant("ICE-SET-PUT") == "put" else {**stored, **given}
    if params.get("EventTypeList") == "":
        if assume.variant("ICE-SET-EVENTS-CLEAR") == "clear":
            fields.pop("EventTypeList", None)
        elif "EventTypeList" in stored:
            fields["EventTypeList"] = stored["EventTypeList"]
    return fields


def _validate(fields: dict[str, str], assume: Assumptions) -> None:
    """Every ICE-SET-* check that needs no state; raises the first failure."""
    callback_type = fields.get("CallbackType")
    if callback_type is None:
        raise missing_parameter("CallbackType")
    if callback_type not in CALLBACK_TYPES:
        raise invalid_parameter("CallbackType")
    if "CallbackURL" in fields:
        _validate_url(fields["CallbackURL"])
    elif callback_type == "HTTP":
        raise missing_parameter("CallbackURL")
    if fields.get("AuthSwitch", "off") not in AUTH_SWITCH_VALUES:
        raise invalid_parameter("AuthSwitch")
    if "AuthKey" in fields:
        _validate_auth_key(fields["AuthKey"])
    elif callback_type == "HTTP" and fields.get("AuthSwitch") == "on":
        raise missing_parameter("AuthKey")
    if "EventTypeList" in fields and assume.variant("ICE-SET-EVENTS-KNOWN") == "reject":
        _validate_events(fields["EventTypeList"])
    queue = fields.get("CallbackQueueName")
    if queue is not None and (not queue.startswith(QUEUE_PREFIX) or not is_valid_queue_name(queue)):
        raise invalid_parameter(
            "CallbackQueueName", f"It must be an MNS queue name starting with {QUEUE_PREFIX}."
        )
    if queue is None and callback_type == "MNS":
        raise missing_parameter("CallbackQueueName")


def set_event_callback(
    store: StateStore, region: str, params: Params, assume: Assumptions = DOCUMENTED
) -> dict[str, Any]:
    """Store the requested configuration (ICE-SET-PUT: exactly the non-empty fields given)."""
    with store.mutate() as state:
        rs = region_state(state, region)
        fields = _requested(rs["callback"], params, assume)
        _validate(fields, assume)
        queue = fields.get("CallbackQueueName")
        check_queue = assume.variant("ICE-SET-QUEUE-EXISTS") == "reject"
        if check_queue and queue is not None and queue not in rs["queues"]:
            raise invalid_parameter(
                "CallbackQueueName", "The queue does not exist in the region of this endpoint."
            )
        rs["callback"] = fields
    return {"Success": True}


def get_event_callback(
    store: StateStore, region: str, _params: Params, assume: Assumptions = DOCUMENTED
) -> dict[str, Any]:
    """The stored fields; empty or never-set fields are absent (ICE-GET-EMPTY)."""
    with store.view() as state:
        rs = state["regions"].get(region)
        callback = dict(rs["callback"]) if rs else {}
    if assume.variant("ICE-GET-EMPTY") == "empty":
        return {name: callback.get(name, "") for name in CALLBACK_FIELDS}
    return callback


def console_edit(
    store: StateStore, region: str, set_fields: dict[str, str], unset: list[str]
) -> dict[str, str]:
    """An out-of-band change as from the console: merge without API validation."""
    unknown = (set(set_fields) | set(unset)) - set(CALLBACK_FIELDS)
    if unknown:
        raise ValueError(f"unknown callback fields: {', '.join(sorted(unknown))}")
    with store.mutate() as state:
        callback = region_state(state, region)["callback"]
        for name in unset:
            callback.pop(name, None)
        for name, value in set_fields.items():
            if value:
                callback[name] = value
            else:
                callback.pop(name, None)
        return dict(callback)


def actions(assume: Assumptions = DOCUMENTED) -> dict[str, Handler]:
    """The ICE operations answering per ``assume`` (apispec/assumptions.py)."""
    return {
        "SetEventCallback": partial(set_event_callback, assume=assume),
        "GetEventCallback": partial(get_event_callback, assume=assume),
    }
