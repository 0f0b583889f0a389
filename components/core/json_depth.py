"""Where a config value nests deeper than a limit: in JSON text (a linear scan, before
``json.loads`` could hit the recursion limit) and in a parsed value (without recursion)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from components.core.paths import Loc


def too_deep_in_json(text: str, limit: int) -> Loc | None:
    """Where the first container nested deeper than ``limit`` starts in JSON ``text``.

    Finds the place :func:`too_deep` finds in the parsed value; malformed text is left for
    ``json.loads`` to report (None).
    """
    frames: list[list[str | int]] = []  # per open container: its kind, then current key/index
    expect_key = False
    i = 0
    while i < len(text):
        char = text[i]
        i += 1
        if char == '"':
            try:
                string, i = json.decoder.scanstring(text, i)  # type: ignore[attr-defined]
            except ValueError:
                return None
            if expect_key and frames:
                frames[-1][1], expect_key = string, False
        elif char in "{[":
            if len(frames) > limit:
                return tuple(frame[1] for frame in frames)
            frames.append([char, 0 if char == "[" else ""])
            expect_key = char == "{"
        elif char in "}]" and frames:
            frames.pop()
            expect_key = False
        elif char == "," and frames:
            expect_key = frames[-1][0] == "{"
            if not expect_key:
                frames[-1][1] = int(frames[-1][1]) + 1
    return None


def too_deep(value: object, limit: int) -> Loc | None:
    """Where the first container nested deeper than ``limit`` is in ``value`` (depth first, in
    document order), or None."""
    pending: list[tuple[Loc, object]] = [((), value)]
    while pending:
        loc, node = pending.pop()
        children: list[tuple[str | int, object]]
        if isinstance(node, Mapping):
            children = [(k if isinstance(k, str) else str(k), v) for k, v in node.items()]
        elif isinstance(node, list | tuple):
            children = list(enumerate(node))
        else:
            continue
        if len(loc) > limit:
            return loc
        pending.extend(((*loc, key), child) for key, child in reversed(children))
    return None
