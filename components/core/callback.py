"""CallbackSetting: the normalised value of one region's event-callback configuration.

The same value describes what the stack wants (desired), what GetEventCallback returned
(live) and what the ``ims`` provider keeps in the Pulumi state. Events are always a sorted,
de-duplicated tuple, so ordering and duplicates never make two settings differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from components.core.events import normalize_events, parse_event_list
from components.core.fingerprint import fingerprint

CallbackType = Literal["HTTP", "MNS"]
CALLBACK_TYPES: tuple[CallbackType, ...] = get_args(CallbackType)


def parse_callback_type(value: object) -> CallbackType | None:
    """Parse a wire/state callback type: ``HTTP``/``MNS`` in any case; None or blank -> None.

    Raises ValueError for anything else (a setting we cannot represent must not be
    mistaken for an empty one).
    """
    if value is None:
        return None
    text = str(value).strip().upper()
    if not text:
        return None
    if text not in CALLBACK_TYPES:
        raise ValueError(f"unsupported CallbackType {text!r}; expected HTTP or MNS")
    return text


SWITCH: dict[bool, str] = {True: "on", False: "off"}
"""``AuthSwitch`` on the wire, and auth in a diff, for auth enabled or not."""


def parse_switch(value: object) -> bool:
    """Parse ``AuthSwitch`` (``on``/``off``, any case, or ``true``) or a bool; else off."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in {SWITCH[True], "true"}


def _ordered(names: list[str]) -> tuple[str, ...]:
    """The names stripped and de-duplicated, in their first order (empty names dropped)."""
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


def _text(value: object) -> str:
    """A wire string field: None -> "", otherwise stripped text."""
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class CallbackSetting:
    """One region's callback configuration. ``callback_type=None`` means none configured.

    ``repr`` never shows ``auth_key``; use :meth:`redacted` for messages.
    """

    callback_type: CallbackType | None
    url: str = ""
    queue_name: str = ""
    events: tuple[str, ...] = ()
    auth_enabled: bool = False
    auth_key: str = field(default="", repr=False)
    wire_order: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """The events in the order IMS returned them (or they were recorded), if known; a
    restore sends them in that order. Never part of a comparison."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", normalize_events(self.events))
        if set(self.wire_order) != set(self.events):
            object.__setattr__(self, "wire_order", self.events)

    @property
    def is_empty(self) -> bool:
        """True when nothing at all is configured (no type, URL, queue, events or auth).

        Any populated field counts as configured: old MNS-only settings may lack a type.
        """
        return not (
            self.callback_type
            or self.url
            or self.queue_name
            or self.events
            or self.auth_enabled
            or self.auth_key
        )

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> CallbackSetting:
        """Build from a GetEventCallback response body (missing/None/empty tolerated)."""
        return cls(
            callback_type=parse_callback_type(body.get("CallbackType")),
            url=_text(body.get("CallbackURL")),
            queue_name=_text(body.get("CallbackQueueName")),
            events=parse_event_list(_text(body.get("EventTypeList"))),
            auth_enabled=parse_switch(body.get("AuthSwitch")),
            auth_key=_text(body.get("AuthKey")),
            wire_order=_ordered(_text(body.get("EventTypeList")).split(",")),
        )

    def to_api(self) -> dict[str, str]:
        """SetEventCallback parameters, limited to the fields that matter for the type.

        HTTP sends AuthKey only when auth is on and a key is known. With no type, only
        ``EventTypeList`` is sent (clearing semantics are unconfirmed, ice-api.md §1.6).
        """
        params = {"EventTypeList": ",".join(self.wire_order)}
        if self.callback_type == "HTTP":
            params |= {
                "CallbackType": "HTTP",
                "CallbackURL": self.url,
                "AuthSwitch": SWITCH[self.auth_enabled],
            }
            if self.auth_enabled and self.auth_key:
                params["AuthKey"] = self.auth_key
        elif self.callback_type == "MNS":
            params |= {"CallbackType": "MNS", "CallbackQueueName": self.queue_name}
        return params

    def to_state(self) -> dict[str, Any]:
        """The camelCase properties the ``ims`` provider keeps in the state (with the key)."""
        return {
            "callbackType": self.callback_type,
            "url": self.url,
            "queueName": self.queue_name,
            "events": list(self.events),
            "authEnabled": self.auth_enabled,
            "authKey": self.auth_key,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> CallbackSetting:
        """Inverse of :meth:`to_state`; missing keys take their defaults."""
        events = state.get("events") or ()
        names = events.split(",") if isinstance(events, str) else [str(e) for e in events]
        return cls(
            callback_type=parse_callback_type(state.get("callbackType")),
            url=_text(state.get("url")),
            queue_name=_text(state.get("queueName")),
            events=tuple(names),
            auth_enabled=bool(state.get("authEnabled", False)),
            auth_key=_text(state.get("authKey")),
            wire_order=_ordered(names),
        )

    def redacted(self) -> dict[str, Any]:
        """:meth:`to_state` with the auth key replaced by its fingerprint; safe to print."""
        return self.to_state() | {"authKey": fingerprint(self.auth_key)}
