"""API calls as the emulator logged them: when each started and ended, to see parallelism.

The emulator writes one line per request to its log (docs/emulator.md), for example::

    2026-11-28 11:44:52,559 INFO emulator.server: ice.cn-shanghai.aliyuncs.com cn-shanghai
    GetEventCallback F748D606-... -> 200 (200.7 ms)

The time stamp is taken when the request finished; start = end - duration. From the calls of
one run we derive how many were in flight at once and the span from the first start to the
last end: eight reads in parallel span about one latency, eight in series about eight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

LINE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+ emulator\.server: "
    r"(?P<host>\S+) (?P<region>\S+) (?P<action>\w+) \S+ -> (?P<status>\d+) "
    r"\((?P<ms>[\d.]+) ms\)"
)


@dataclass(frozen=True)
class Call:
    """One API call the emulator served."""

    region: str
    action: str
    status: int
    start: float
    end: float


def parse(text: str) -> list[Call]:
    """Every API call line in ``text`` (other lines are ignored)."""
    calls: list[Call] = []
    for line in text.splitlines():
        match = LINE.match(line)
        if match is None:
            continue
        end = datetime.strptime(match["ts"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        calls.append(
            Call(
                region=match["region"],
                action=match["action"],
                status=int(match["status"]),
                start=end - float(match["ms"]) / 1000,
                end=end,
            )
        )
    return calls


@dataclass
class LogCursor:
    """Reads what was appended to a log file since the last :meth:`mark`."""

    path: Path
    offset: int = 0

    def mark(self) -> None:
        """Remember the current end of the file."""
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def calls_since_mark(self) -> list[Call]:
        """The API calls logged since :meth:`mark`."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as log:
            log.seek(self.offset)
            return parse(log.read().decode("utf-8", "replace"))


def overlap(calls: list[Call], action: str = "GetEventCallback") -> dict[str, Any]:
    """Count, peak number in flight and span (s) of the calls of one action."""
    chosen = [c for c in calls if c.action == action]
    if not chosen:
        return {"calls": 0, "maxInFlight": 0, "spanS": 0.0}
    edges = sorted([(c.start, 1) for c in chosen] + [(c.end, -1) for c in chosen])
    in_flight = peak = 0
    for _, step in edges:  # at equal times an end (-1) sorts before a start (+1)
        in_flight += step
        peak = max(peak, in_flight)
    span = max(c.end for c in chosen) - min(c.start for c in chosen)
    return {"calls": len(chosen), "maxInFlight": peak, "spanS": round(span, 3)}
