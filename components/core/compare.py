"""Desired-vs-live comparison of callback settings (:func:`compare`) and of callback queues
(:func:`queue_changes`). The ``ims`` provider's diff and the drift check both use it, so they
always agree on what counts as a change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.core.callback import SWITCH, CallbackSetting
from components.core.fingerprint import NONE_DISPLAY, fingerprint
from components.core.schema_fields import QUEUE_ATTRIBUTE_FIELDS
from components.core.schema_types import property_names


@dataclass(frozen=True)
class FieldDiff:
    """One differing field: camelCase state key and display strings safe to print."""

    field: str
    desired: str
    live: str

    def __str__(self) -> str:
        return f"{self.field}: {self.live} -> {self.desired}"


def _plain(value: str | None) -> str:
    return value or NONE_DISPLAY


def _events(value: tuple[str, ...]) -> str:
    return ", ".join(value) or NONE_DISPLAY


_Getter = Callable[[CallbackSetting], object]
_Display = Callable[[CallbackSetting], str]

_FIELDS: dict[str, tuple[_Getter, _Display]] = {
    "callbackType": (lambda s: s.callback_type, lambda s: _plain(s.callback_type)),
    "url": (lambda s: s.url, lambda s: _plain(s.url)),
    "queueName": (lambda s: s.queue_name, lambda s: _plain(s.queue_name)),
    "events": (lambda s: frozenset(s.events), lambda s: _events(s.events)),
    "authEnabled": (lambda s: s.auth_enabled, lambda s: SWITCH[s.auth_enabled]),
    "authKey": (lambda s: s.auth_key, lambda s: fingerprint(s.auth_key)),
}


def display(name: str, setting: CallbackSetting) -> str:
    """The display string of one field of ``setting`` (what a :class:`FieldDiff` would show)."""
    return _FIELDS[name][1](setting)


def compared_fields(desired: CallbackSetting) -> tuple[str, ...]:
    """The camelCase fields that matter for ``desired``, by its callback type, in this order.

    * ``HTTP``: callbackType, url, events, authEnabled, and authKey when auth is enabled and
      the desired key is known (an empty desired key means "not known here", e.g. a generated
      key the caller did not pass).
    * ``MNS``: callbackType, queueName, events.
    * ``None`` (nothing should be configured): callbackType and events, the two fields that
      decide whether anything is delivered.

    Fields the type does not use are ignored: the service keeps stale URL/queue/auth values
    after a type switch (ice-api.md §1.4), and they never count as drift.
    """
    if desired.callback_type == "HTTP":
        fields: tuple[str, ...] = ("callbackType", "url", "events", "authEnabled")
        if desired.auth_enabled and desired.auth_key:
            fields += ("authKey",)
        return fields
    if desired.callback_type == "MNS":
        return ("callbackType", "queueName", "events")
    return ("callbackType", "events")


def compare(desired: CallbackSetting, live: CallbackSetting) -> tuple[FieldDiff, ...]:
    """The fields where ``live`` differs from ``desired``, in :func:`compared_fields` order;
    events compare as sets."""
    diffs = []
    for name in compared_fields(desired):
        get, show = _FIELDS[name]
        if get(desired) != get(live):
            diffs.append(FieldDiff(name, show(desired), show(live)))
    return tuple(diffs)


QUEUE_ATTRIBUTES: dict[str, str] = property_names(QUEUE_ATTRIBUTE_FIELDS)
"""Queue property -> attribute of the queue's settings and of its live attributes: what
SetQueueAttributes changes. A queue's name and region say which queue it is, and its tags are
fixed at CreateQueue, so neither is compared."""


def queue_values(queue: object) -> dict[str, object]:
    """The managed attributes of ``queue`` (settings or live attributes), by property name."""
    return {prop: getattr(queue, attr) for prop, attr in QUEUE_ATTRIBUTES.items()}


def queue_attributes(queue: object) -> dict[str, Any]:
    """The managed attributes of ``queue`` by attribute name (to build another queue from)."""
    return {attr: getattr(queue, attr) for attr in QUEUE_ATTRIBUTES.values()}


def queue_changes(old: Mapping[str, object], new: Mapping[str, object]) -> tuple[str, ...]:
    """The managed queue properties whose values differ, in :data:`QUEUE_ATTRIBUTES` order."""
    return tuple(prop for prop in QUEUE_ATTRIBUTES if old.get(prop) != new.get(prop))
