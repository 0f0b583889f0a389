"""Config paths in the dotted form ``pulumi config set --path`` accepts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_PLAIN = re.compile(r"[A-Za-z0-9_-]+")

Loc = tuple[str | int, ...]
SHOWN_CHARS = 64
"""How much of a value from the stack file a message quotes (a hostile file can be huge)."""


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text``, or its first ``limit`` characters and how many more there are."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...(+{len(text) - limit} characters)"


def format_path(parts: Iterable[str | int]) -> str:
    """Join a location: ``("callbacks", "regions", "cn-beijing", "events", 2)`` ->
    ``callbacks.regions.cn-beijing.events[2]``.

    Segments that are not plain words are quoted: ``tags["app.kubernetes.io/name"]``.
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN.fullmatch(part) and len(part) <= SHOWN_CHARS:
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(clip(part))}]"
    return out
