"""MNS management API (mns-open 2022-01-19): queues per region, plus the emulated queue contents.

Rule ids (MNS-*) refer to docs/api-contract.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import uuid
from typing import Any

from emulator.api import Handler, Params
from emulator.errors import ApiError, invalid_argument, invalid_parameter, missing_parameter
from emulator.state import RegionState, StateStore, region_state

QUEUE_NAME_MAX = 120
_QUEUE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")

# name -> (low, high, default, unit); MNS-RANGE-*
INT_ATTRIBUTES: dict[str, tuple[int, int, int, str]] = {
    "DelaySeconds": (0, 604800, 0, "seconds"),
    "MaximumMessageSize": (1024, 65536, 65536, "bytes"),
    "MessageRetentionPeriod": (60, 604800, 345600, "seconds"),
    "PollingWaitSeconds": (0, 30, 0, "seconds"),
    "VisibilityTimeout": (1, 43200, 30, "seconds"),
}
QUEUE_TYPES = ("normal", "fifo")
SSE_TYPES = ("SMQ", "KMS")
PAGE_SIZE_MIN, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT = 10, 50, 20
PAGE_NUM_MAX = 100_000_000
_EMPTY_REGION: RegionState = {"callback": {}, "queues": {}, "messages": {}}


def queue_not_exist() -> ApiError:
    """404 QueueNotExist."""
    return ApiError(404, "QueueNotExist", "The queue name you provided is not exist.")


def is_valid_queue_name(name: str) -> bool:
    """MNS-NAME-*: 1..120 chars of ``[A-Za-z0-9-]``, starting with a letter or digit."""
    return len(name) <= QUEUE_NAME_MAX and _QUEUE_NAME_RE.fullmatch(name) is not None


def validate_queue_name(name: str) -> None:
    """Raise the MNS error for a missing, too long or malformed queue name."""
    if not name:
        raise missing_parameter("QueueName")
    if len(name) > QUEUE_NAME_MAX:
        raise ApiError(
            400,
            "QueueNameLengthError",
            f"The length of QueueName should be between 1 and {QUEUE_NAME_MAX}.",
        )
    if not is_valid_queue_name(name):
        raise ApiError(
            400,
            "InvalidQueueName",
            "The QueueName you provided is invalid: it must start with a letter or digit and "
            "contain only letters, digits and hyphens.",
        )


def _parse_bool(params: Params, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise invalid_parameter(name)
    return raw.lower() == "true"


def _parse_json_object(params: Params, name: str) -> dict[str, Any] | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise invalid_parameter(name, "It must be a JSON object.")
    return value


def _dlq_policy(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "Enabled": bool(value.get("Enabled", False)),
        "DeadLetterTargetQueue": str(value.get("DeadLetterTargetQueue", "")),
        "MaxReceiveCount": int(value.get("MaxReceiveCount", 0)),
    }


def _rate_limit_policy(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "Enabled": bool(value.get("Enabled", False)),
        "MaxReceivesPerSecond": int(value.get("MaxReceivesPerSecond", 0)),
    }


def _parse_tags(params: Params) -> list[dict[str, str]]:
    """``Tag.N.Key`` / ``Tag.N.Value`` -> ``[{TagKey, TagValue}]`` in N order."""
    indexes = sorted(
        {int(k.split(".")[1]) for k in params if re.fullmatch(r"Tag\.\d+\.(Key|Value)", k)}
    )
    tags = []
    for n in indexes:
        key = params.get(f"Tag.{n}.Key", "")
        if not key:
            raise missing_parameter(f"Tag.{n}.Key")
        tags.append({"TagKey": key, "TagValue": params.get(f"Tag.{n}.Value", "")})
    return tags


def _parse_attributes(params: Params) -> dict[str, Any]:
    """Validated queue attributes present in the request (MNS-RANGE-*, MNS-ATTR-*)."""
    attrs: dict[str, Any] = {}
    for name, (low, high, _default, unit) in INT_ATTRIBUTES.items():
        raw = params.get(name)
        if raw is None:
            continue
        try:
            value = int(raw)
        except ValueError:
            raise invalid_parameter(name) from None
        if not low <= value <= high:
            raise invalid_argument(name, low, high, unit)
        attrs[name] = value
    logging_enabled = _parse_bool(params, "EnableLogging")
    if logging_enabled is not None:
        attrs["LoggingEnabled"] = logging_enabled
    sse = _parse_bool(params, "EnableSSE")
    if sse is not None:
        attrs["EnableSSE"] = sse
        attrs["EncryptionEnabled"] = sse
    sse_type = params.get("SseType")
    if sse_type is not None:
        if sse_type not in SSE_TYPES:
            raise invalid_parameter("SseType")
        attrs["SseType"] = sse_type
    for name in ("SseAlgorithm", "KmsKeyId"):
        if name in params:
            attrs[name] = params[name]
    dlq = _parse_json_object(params, "DlqPolicy")
    if dlq is not None:
        attrs["DlqPolicy"] = _dlq_policy(dlq)
    rate = _parse_json_object(params, "TenantRateLimitPolicy")
    if rate is not None:
        attrs["TenantRateLimitPolicy"] = _rate_limit_policy(rate)
    return attrs


def _new_queue(name: str, queue_type: str, now: int) -> dict[str, Any]:
    defaults = {name: default for name, (_l, _h, default, _u) in INT_ATTRIBUTES.items()}
    return {
        "QueueName": name,
        "QueueType": queue_type,
        "CreateTime": now,
        "LastModifyTime": now,
        **defaults,
        "LoggingEnabled": False,
        "EnableSSE": False,
        "EncryptionEnabled": False,
        "SseType": "",
        "SseAlgorithm": "",
        "KmsKeyId": "",
        "DlqPolicy": _dlq_policy({}),
        "TenantRateLimitPolicy": _rate_limit_policy({}),
        "Tags": [],
    }


def _queue_view(queue: dict[str, Any]) -> dict[str, Any]:
    """The queue as GetQueueAttributes/ListQueue report it (message counters are deprecated: 0)."""
    return {**queue, "ActiveMessages": 0, "InactiveMessages": 0, "DelayMessages": 0}


def _ok(data: Any) -> dict[str, Any]:
    """The mns-open success envelope."""
    return {
        "Code": 200,
        "Status": "SUCCESS",
        "Success": True,
        "Message": "operation success",
        "Data": data,
    }


def _ack() -> dict[str, Any]:
    return _ok({"Code": 200, "Message": "operation success", "Success": True})


def _required_queue_name(params: Params) -> str:
    name = params.get("QueueName", "")
    validate_queue_name(name)
    return name


def _existing_queue(region: RegionState, name: str) -> dict[str, Any]:
    queue = region["queues"].get(name)
    if queue is None:
        raise queue_not_exist()
    return queue


def create_queue(store: StateStore, region: str, params: Params) -> dict[str, Any]:
    """CreateQueue: MNS-CREATE-EXISTS, a second create with the same name is refused."""
    name = _required_queue_name(params)
    queue_type = params.get("QueueType", "normal")
    if queue_type not in QUEUE_TYPES:
        raise invalid_parameter("QueueType")
    attrs = _parse_attributes(params)
    tags = _parse_tags(params)
    with store.mutate() as state:
        rs = region_state(state, region)
        if name in rs["queues"]:
            raise ApiError(409, "QueueAlreadyExist", "The queue you want to create already exists.")
        queue = _new_queue(name, queue_type, int(time.time()))
        queue.update(attrs)
        queue["Tags"] = tags
        rs["queues"][name] = queue
        rs["messages"][name] = []
    return _ack()


def set_queue_attributes(store: StateStore, region: str, params: Params) -> dict[str, Any]:
    """SetQueueAttributes: MNS-SET-PATCH, only the attributes given change."""
    name = _required_queue_name(params)
    attrs = _parse_attributes(params)
    with store.mutate() as state:
        queue = _existing_queue(region_state(state, region), name)
        queue.update(attrs)
        queue["LastModifyTime"] = int(time.time())
    return _ack()


def get_queue_attributes(store: StateStore, region: str, params: Params) -> dict[str, Any]:
    """GetQueueAttributes."""
    name = _required_queue_name(params)
    with store.view() as state:
        queue = _existing_queue(state["regions"].get(region) or _EMPTY_REGION, name)
        return _ok(_queue_view(queue))


def delete_queue(store: StateStore, region: str, params: Params) -> dict[str, Any]:
    """DeleteQueue: MNS-DELETE-MISSING, deleting an unknown queue is an error."""
    name = _required_queue_name(params)
    with store.mutate() as state:
        rs = region_state(state, region)
        _existing_queue(rs, name)
        del rs["queues"][name]
        rs["messages"].pop(name, None)
    return _ack()


def _clamp_int(params: Params, name: str, low: int, high: int, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return min(max(int(raw), low), high)
    except ValueError:
        raise invalid_parameter(name) from None


def list_queue(store: StateStore, region: str, params: Params) -> dict[str, Any]:
    """ListQueue: MNS-LIST-*, name prefix / type / tag filters, out-of-range paging clamped."""
    page_num = _clamp_int(params, "PageNum", 1, PAGE_NUM_MAX, 1)
    page_size = _clamp_int(params, "PageSize", PAGE_SIZE_MIN, PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT)
    prefix = params.get("QueueName", "")
    queue_type = params.get("QueueType")
    wanted_tags = {(t["TagKey"], t["TagValue"]) for t in _parse_tags(params)}
    with store.view() as state:
        queues = (state["regions"].get(region) or _EMPTY_REGION)["queues"]
        matching = [
            _queue_view(q)
            for name, q in sorted(queues.items())
            if name.startswith(prefix)
            and (queue_type is None or q["QueueType"] == queue_type)
            and wanted_tags <= {(t["TagKey"], t["TagValue"]) for t in q["Tags"]}
        ]
    page = matching[(page_num - 1) * page_size : page_num * page_size]
    return _ok(
        {
            "PageData": page,
            "PageNum": page_num,
            "PageSize": page_size,
            "Pages": math.ceil(len(matching) / page_size),
            "Size": len(page),
            "Total": len(matching),
        }
    )


ACTIONS: dict[str, Handler] = {
    "CreateQueue": create_queue,
    "SetQueueAttributes": set_queue_attributes,
    "GetQueueAttributes": get_queue_attributes,
    "DeleteQueue": delete_queue,
    "ListQueue": list_queue,
}


def enqueue_message(store: StateStore, region: str, queue_name: str, body: str) -> dict[str, Any]:
    """Append a message (as IMS's SendMessage would); refuses unknown queues and oversize bodies."""
    with store.mutate() as state:
        rs = region_state(state, region)
        queue = _existing_queue(rs, queue_name)
        if len(body.encode("utf-8")) > queue["MaximumMessageSize"]:
            raise ApiError(400, "InvalidArgument", "The message body exceeds MaximumMessageSize.")
        message = {
            "MessageId": uuid.uuid4().hex.upper(),
            "MessageBody": body,
            "MessageBodyMD5": hashlib.md5(body.encode("utf-8")).hexdigest().upper(),  # noqa: S324
            "EnqueueTime": int(time.time() * 1000),
            "FirstDequeueTime": 0,
            "DequeueCount": 0,
        }
        rs["messages"].setdefault(queue_name, []).append(message)
    return message


def receive_messages(
    store: StateStore, region: str, queue_name: str, max_messages: int, peek: bool
) -> list[dict[str, Any]]:
    """Oldest messages first; removed unless ``peek`` (like ReceiveMessage + DeleteMessage)."""
    with store.mutate() as state:
        rs = region_state(state, region)
        _existing_queue(rs, queue_name)
        pending = rs["messages"].setdefault(queue_name, [])
        taken = pending[:max_messages]
        now = int(time.time() * 1000)
        for message in taken:
            message["DequeueCount"] += 1
            message["FirstDequeueTime"] = message["FirstDequeueTime"] or now
        if not peek:
            del pending[: len(taken)]
    return taken
