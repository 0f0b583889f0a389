"""Plain Python values <-> the SDK's ``PropertyValue`` (numbers are floats, secrets flagged)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue

Plain = dict[str, Any]


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


def has_unknowns(value: Any) -> bool:
    """True if ``value`` is unknown or holds an unknown value (at any depth)."""
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list):
        return any(has_unknowns(item) for item in value)
    return isinstance(value, Unknown)


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
