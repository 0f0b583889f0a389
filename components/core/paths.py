"""Config paths in the dotted form ``pulumi config set --path`` accepts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_PLAIN = re.compile(r"[A-Za-z0-9_-]+")

Loc = tuple[str | int, ...]


def format_path(parts: Iterable[str | int]) -> str:
    """Join a location: ``("callbacks", "regions", "cn-beijing", "events", 2)`` ->
    ``callbacks.regions.cn-beijing.events[2]``.

    Segments that are not plain words are quoted: ``tags["app.kubernetes.io/name"]``.
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out
