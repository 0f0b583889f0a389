"""Helpers for turning raw config trees and pydantic errors into ConfigProblems.

Nothing here ever copies an input value into a message: pydantic's own messages and
``input`` are discarded and replaced by ours.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from components.core.paths import Loc
from components.core.rules import suggest

_HINTS: dict[str, str] = {
    "delivery": "; set delivery: mns or delivery: http",
    "events": (
        "; list at least one event here or in callbacks.defaults.events, "
        "e.g. events: [FileUploadComplete]"
    ),
}
_EXAMPLES: dict[str, str] = {"events": ", e.g. [FileUploadComplete, ProduceMediaComplete]"}


def canonical_keys(
    data: Mapping[Any, Any],
    model: type[BaseModel],
    nested: Mapping[str, type[BaseModel]],
    twins: list[Loc],
    loc: Loc = (),
) -> dict[Any, Any]:
    """Rename snake_case field names to their camelCase aliases, recursing into ``nested``.

    Keys given twice (``retention_seconds`` and ``retentionSeconds``) are appended to
    ``twins``; the camelCase one wins.
    """
    aliases = {name: info.alias or name for name, info in model.model_fields.items()}
    out: dict[Any, Any] = {}
    # Python names sort last, so a camelCase key seen first wins over its snake_case twin.
    for key, raw in sorted(data.items(), key=lambda item: item[0] in aliases):
        canon = aliases.get(key, key) if isinstance(key, str) else key
        if canon in out:
            twins.append((*loc, canon))
            continue
        sub = nested.get(canon) if isinstance(canon, str) else None
        if sub is not None and isinstance(raw, Mapping):
            out[canon] = canonical_keys(raw, sub, {}, twins, (*loc, canon))
        else:
            out[canon] = raw
    return out


def deep_merge(base: Mapping[Any, Any], over: Mapping[Any, Any]) -> tuple[dict[Any, Any], set[Loc]]:
    """Merge ``over`` onto ``base`` (mappings recursively, ``over`` wins).

    Returns the merged dict and the locations whose values came from ``base`` alone.
    """
    merged = dict(over)
    from_base: set[Loc] = set()
    for key, value in base.items():
        if key not in merged:
            merged[key] = value
            from_base.add((key,))
        elif isinstance(value, Mapping) and isinstance(merged[key], Mapping):
            merged[key], inner = deep_merge(value, merged[key])
            from_base |= {(key, *loc) for loc in inner}
    return merged, from_base


_SHAPES: dict[str, str] = {
    "list_type": "must be a list",
    "model_type": "must be a mapping of settings",
}
_FIXED: dict[str, str] = {
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string; quote the value in YAML",
    "invalid_key": "setting names must be strings",
}
_FALLBACK = "has a value of the wrong type; see docs/architecture.md for the expected shape"


def error_message(err: ErrorDetails, allowed_keys: Callable[[Loc], Collection[str]]) -> str:
    """Our message for one pydantic error (never pydantic's text or the input value)."""
    loc = err["loc"]
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    kind = err["type"]
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", _FALLBACK))
    if kind == "missing":
        return f"is required{_HINTS.get(field, '')}"
    if kind == "extra_forbidden":
        valid = sorted(allowed_keys(loc[:-1]))
        return f"is not a known setting{suggest(field, valid)} (valid here: {', '.join(valid)})"
    if kind in _SHAPES:
        return _SHAPES[kind] + _EXAMPLES.get(field, "")
    return _FIXED.get(kind, _FALLBACK)


def validation_problems(
    exc: ValidationError, allowed_keys: Callable[[Loc], Collection[str]]
) -> list[tuple[Loc, str]]:
    """``(loc, message)`` for every error in ``exc``, in pydantic's order."""
    return [
        (tuple(err["loc"]), error_message(err, allowed_keys))
        for err in exc.errors(include_url=False, include_input=False)
    ]
