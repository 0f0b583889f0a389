"""Plain Python values <-> the SDK's ``PropertyValue`` (numbers are floats, secrets flagged)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue

Plain = dict[str, Any]

DYNAMIC_ONLY = ("__provider", "drift")
"""Keys of the dynamic resources the native ones replace (docs/migration.md): dropped on sight."""


def without_dynamic_keys(values: Mapping[str, Any]) -> Plain:
    """``values`` without :data:`DYNAMIC_ONLY` keys (state or inputs of a migrated stack)."""
    return {k: v for k, v in values.items() if k not in DYNAMIC_ONLY}


class Unknown:
    """An input not known yet (preview, before a dependency is created)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


def plain(value: PropertyValue) -> Any:
    """Unwrap a property value (secrets unwrapped; unknowns become :data:`UNKNOWN`)."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    return inner


def plain_map(values: Mapping[str, PropertyValue]) -> Plain:
    """Unwrap a property map."""
    return {k: plain(v) for k, v in values.items()}


def has_unknowns(values: Mapping[str, Any]) -> bool:
    """True if any value (at any depth) is unknown."""

    def walk(value: Any) -> bool:
        if isinstance(value, Unknown):
            return True
        if isinstance(value, Mapping):
            return any(walk(v) for v in value.values())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False

    return walk(values)


def wrap(value: Any, *, secret: bool = False) -> PropertyValue:
    """Wrap plain data (ints become floats); ``secret`` marks the outermost value."""
    if isinstance(value, Unknown):
        return PropertyValue.computed()
    if isinstance(value, Mapping):
        result = PropertyValue({k: wrap(v) for k, v in value.items()})
    elif isinstance(value, list | tuple):
        result = PropertyValue([wrap(v) for v in value])
    elif isinstance(value, int) and not isinstance(value, bool):
        result = PropertyValue(float(value))
    else:
        result = PropertyValue(value)
    return result.with_secret(True) if secret else result


def wrap_map(values: Mapping[str, Any], secrets: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """Wrap a plain map; the keys in ``secrets`` become secret values."""
    hidden = frozenset(secrets)
    return {k: wrap(v, secret=k in hidden) for k, v in values.items()}
