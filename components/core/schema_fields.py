"""The fields of every ``ims`` resource and type, written once (built from
:mod:`components.core.schema_types`).

From these tables come the package schema and its type tokens, the queue attributes a diff
compares, the bounds and defaults the stack config and the provider's ``check`` enforce, and
the secret properties. The allowed values of the config's choices are the ``Literal`` types
here (mypy needs them spelled out); the event names come from the events catalogue.
"""

from __future__ import annotations

from typing import Literal

from components.core.callback import CallbackType
from components.core.events import CATALOGUE
from components.core.regions import REGION_IDS
from components.core.rules import AUTH_KEY_MAX, AUTH_KEY_MIN, MAX_TAGS, MAX_URL_BYTES, QUEUE_PREFIX
from components.core.schema_types import (
    Bounds,
    EnumType,
    EnumValue,
    Field,
    ObjectType,
    Resource,
    enum_of,
)

Delivery = Literal["mns", "http"]
OnDelete = Literal["restore", "reset", "retain"]
GrantMode = Literal["attach", "create-role", "skip"]
DEFAULT_ON_DELETE: OnDelete = "restore"
DEFAULT_GRANT_MODE: GrantMode = "attach"
DEFAULT_ROLE_NAME = "AliyunICEDefaultRole"


# --- enums -------------------------------------------------------------------------------

DELIVERY_ENUM = enum_of(
    "Delivery",
    "Where IMS delivers a region's events.",
    Delivery,
    {
        "mns": "IMS writes each event to an MNS queue in the same region.",
        "http": "IMS posts each event to an HTTP(S) URL.",
    },
)
CALLBACK_TYPE_ENUM = enum_of(
    "CallbackType",
    "The callback type of an IMS callback setting (its CallbackType).",
    CallbackType,
    {"HTTP": "Events are posted to a URL.", "MNS": "Events are written to an MNS queue."},
)
ON_DELETE_ENUM = enum_of(
    "OnDelete",
    "What happens to a region's callback setting when the stack deletes it.",
    OnDelete,
    {
        "restore": "Put back the setting recorded when the stack took over; if none, reset.",
        "reset": "Keep the delivery target but clear the event list, so IMS sends nothing.",
        "retain": "Leave the live setting as it is.",
    },
)
GRANT_MODE_ENUM = enum_of(
    "GrantMode",
    "How IMS is allowed to write to the MNS queues.",
    GrantMode,
    {
        "attach": "Attach a policy allowing mns:SendMessage on the queue to an existing role.",
        "create-role": "Create the role (trusting ice.aliyuncs.com), then attach as for attach.",
        "skip": "Grant nothing; the permissions are yours to manage.",
    },
)
EVENT_NAME_ENUM = EnumType(
    "EventName",
    "An IMS callback event (components/core/events.py).",
    tuple(EnumValue(e.name, e.description, e.deprecated) for e in CATALOGUE),
)

# --- queue attributes ----------------------------------------------------------------------

QUEUE_ATTRIBUTE_FIELDS: tuple[Field, ...] = (
    Field(
        "retentionSeconds",
        "integer",
        "How long MNS keeps a message.",
        bounds=Bounds(60, 604800, "seconds", 345600),
    ),
    Field(
        "visibilityTimeoutSeconds",
        "integer",
        "How long a received message stays invisible to other consumers.",
        bounds=Bounds(1, 43200, "seconds", 30),
    ),
    Field(
        "pollingWaitSeconds",
        "integer",
        "Long-polling wait of a receive call.",
        bounds=Bounds(0, 30, "seconds", 0),
    ),
    Field(
        "maxMessageBytes",
        "integer",
        "Maximum message size.",
        bounds=Bounds(1024, 65536, "bytes", 65536),
    ),
    Field(
        "delaySeconds",
        "integer",
        "Delay before a new message can be received.",
        bounds=Bounds(0, 604800, "seconds", 0),
    ),
    Field("logging", "boolean", "MNS logging of the queue.", default=False),
)
"""The attributes SetQueueAttributes changes, in the order diffs list them."""

QUEUE_BOUNDS: dict[str, Bounds] = {f.snake: f.bounds for f in QUEUE_ATTRIBUTE_FIELDS if f.bounds}
"""Python name -> bounds of the whole-number queue attributes."""

_TAGS_DOC = f"Tags set when the queue is created (at most {MAX_TAGS}; they cannot change later)."

# --- the component's types -------------------------------------------------------------------

AUTH = ObjectType(
    "Auth",
    "HTTP delivery: signing of the callbacks.",
    (
        Field(
            "enabled",
            "boolean",
            "Sign callbacks with the key. Default: true for http delivery.",
        ),
        Field(
            "key",
            "string",
            f"The signing key: {AUTH_KEY_MIN} to {AUTH_KEY_MAX} letters and digits with an "
            "upper-case letter, a lower-case letter and a digit. Generated when omitted.",
            secret=True,
        ),
    ),
)
QUEUE = ObjectType(
    "Queue",
    "MNS delivery: the queue IMS writes to.",
    (
        Field(
            "name",
            "string",
            f"Queue name, starting with {QUEUE_PREFIX}. "
            f"Default: {QUEUE_PREFIX}<project>-<stack>-<region>.",
        ),
        Field(
            "existing",
            "boolean",
            "Use a queue that already exists (name required) instead of creating one.",
            default=False,
        ),
        *QUEUE_ATTRIBUTE_FIELDS,
        Field("tags", "string", _TAGS_DOC, container="map"),
    ),
)
REGION = ObjectType(
    "Region",
    "One region's callback settings (also the defaults merged into every region).",
    (
        Field("delivery", DELIVERY_ENUM, "Where IMS delivers the events."),
        Field(
            "events",
            EVENT_NAME_ENUM,
            "Event types to deliver (order and duplicates do not matter).",
            container="array",
        ),
        Field(
            "allowInsecureHttp",
            "boolean",
            "HTTP delivery: accept an http:// URL (callbacks travel unencrypted).",
            default=False,
        ),
        Field(
            "url",
            "string",
            f"HTTP delivery: the https:// URL IMS calls (at most {MAX_URL_BYTES} bytes).",
        ),
        Field("auth", AUTH, "HTTP delivery: signing of the callbacks."),
        Field("queue", QUEUE, "MNS delivery: the queue."),
        Field(
            "adopt",
            "boolean",
            "Take over a setting the stack does not own (it is put back on destroy).",
            default=False,
        ),
        Field(
            "onDelete",
            ON_DELETE_ENUM,
            "What destroy does with the setting.",
            default=DEFAULT_ON_DELETE,
        ),
    ),
)
GRANT = ObjectType(
    "Grant",
    "How IMS gets permission to write to the MNS queues.",
    (
        Field("mode", GRANT_MODE_ENUM, "How the grant is made.", default=DEFAULT_GRANT_MODE),
        Field(
            "roleName",
            "string",
            "The RAM role IMS assumes to write to MNS.",
            default=DEFAULT_ROLE_NAME,
        ),
    ),
)
CALLBACKS = ObjectType(
    "Callbacks",
    "The callbacks configuration, as in the ims-callbacks:callbacks stack config.",
    (
        Field("defaults", REGION, "Merged into every region (the region's value wins)."),
        Field(
            "regions",
            REGION,
            "Region id (e.g. cn-shanghai) -> its settings.",
            container="map",
            required=True,
        ),
        Field("grant", GRANT, "The MNS write grant for IMS."),
    ),
)
REGION_OUTPUT = ObjectType(
    "RegionOutput",
    "What the component configured in one region.",
    (
        Field("delivery", CALLBACK_TYPE_ENUM, "HTTP or MNS."),
        Field("url", "string", "HTTP delivery: the callback URL."),
        Field("queueName", "string", "MNS delivery: the queue."),
        Field("events", EVENT_NAME_ENUM, "The delivered event types, sorted.", container="array"),
        Field("authKey", "string", "HTTP delivery with auth: the signing key.", secret=True),
        Field("onDelete", ON_DELETE_ENUM, "What destroy does with the setting."),
    ),
)

# --- resources ---------------------------------------------------------------------------------

_REGION_DOC = f"IMS region, e.g. cn-shanghai ({', '.join(sorted(REGION_IDS))})."

EVENT_CALLBACK = Resource(
    "EventCallback",
    "The IMS event-callback setting of one region (its ID is the region).",
    (
        Field("region", "string", _REGION_DOC, required=True),
        Field("callbackType", CALLBACK_TYPE_ENUM, "Where IMS delivers the events.", required=True),
        Field(
            "url",
            "string",
            f"HTTP delivery: the callback URL (http or https, at most {MAX_URL_BYTES} bytes).",
        ),
        Field(
            "queueName",
            "string",
            f"MNS delivery: the queue, named {QUEUE_PREFIX}*, in the same region.",
        ),
        Field(
            "events",
            EVENT_NAME_ENUM,
            "Event types to deliver (order and duplicates do not matter).",
            container="array",
        ),
        Field("authEnabled", "boolean", "HTTP delivery: sign callbacks with authKey."),
        Field(
            "authKey",
            "string",
            f"HTTP delivery: the signing key ({AUTH_KEY_MIN}-{AUTH_KEY_MAX} letters and digits). "
            "Generated when omitted.",
            secret=True,
        ),
        Field(
            "adopt",
            "boolean",
            "Take over a setting the stack does not own (it is recorded and put back on delete).",
        ),
        Field(
            "onDelete",
            ON_DELETE_ENUM,
            "What delete does with the setting.",
            default=DEFAULT_ON_DELETE,
        ),
        Field(
            "checkQueue",
            "boolean",
            "MNS delivery: the queue must already exist (checked before use).",
        ),
    ),
    (
        Field(
            "previous",
            "any",
            "The setting found when the stack took over (put back on restore).",
            secret=True,
        ),
        Field("authKeyGenerated", "boolean", "Whether authKey was generated by the provider."),
    ),
)
CALLBACK_QUEUE = Resource(
    "CallbackQueue",
    "An MNS queue IMS delivers callbacks to (ID <region>/<queue name>).",
    (
        Field("region", "string", _REGION_DOC, required=True),
        Field(
            "queueName",
            "string",
            f"Queue name, starting with {QUEUE_PREFIX}.",
            attr="name",
            required=True,
        ),
        Field(
            "owner",
            "string",
            "<project>/<stack> written into the queue's owner tag; empty for an imported queue.",
        ),
        *QUEUE_ATTRIBUTE_FIELDS,
        Field("tags", "string", _TAGS_DOC, container="map"),
    ),
)
IMS_CALLBACKS = Resource(
    "ImsCallbacks",
    "IMS event callbacks for every configured region: queues, the IMS write grant and the "
    "callback settings.",
    (Field("callbacks", CALLBACKS, CALLBACKS.description, required=True),),
    (
        Field(
            "regions",
            REGION_OUTPUT,
            "Region id -> what was configured there (only authKey is secret).",
            container="map",
            required=True,
        ),
    ),
    component=True,
)

RESOURCES: tuple[Resource, ...] = (EVENT_CALLBACK, CALLBACK_QUEUE, IMS_CALLBACKS)
