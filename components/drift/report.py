"""The drift report as plain data (stacks -> regions -> fields, display-safe strings only),
its versioned JSON (docs/drift-report.schema.json), its one-line summary and its exit code
(as ``terraform plan -detailed-exitcode``: 0 in sync, 2 drift, 1 error)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from pydantic.alias_generators import to_camel

from components.core.fingerprint import redact, worth_redacting

SCHEMA_VERSION = 1
EXIT_IN_SYNC, EXIT_ERROR, EXIT_DRIFT = 0, 1, 2

Status = Literal["in_sync", "drifted", "error"]
RegionStatus = Literal["in_sync", "drifted", "error", "not_configured"]
FieldStatus = Literal["in_sync", "drifted", "not_compared"]

LABELS: dict[str, str] = {
    "in_sync": "in sync",
    "drifted": "drifted",
    "error": "error",
    "not_configured": "not configured",
    "not_compared": "not compared",
}
"""How each status is written for a reader."""

_SUMMARY_MAX = 300
_T = TypeVar("_T")


@dataclass(frozen=True)
class FieldReport:
    """One compared field of a region: display strings and whether they match."""

    field: str
    status: FieldStatus
    desired: str
    live: str
    note: str | None = None


@dataclass(frozen=True)
class RegionReport:
    """One region of a stack. ``error`` is set (redacted) exactly when status is error."""

    region: str
    status: RegionStatus
    delivery: str
    fields: tuple[FieldReport, ...] = ()
    error: str | None = None

    @property
    def drifted_fields(self) -> tuple[FieldReport, ...]:
        """The fields whose live value differs from the desired one."""
        return tuple(f for f in self.fields if f.status == "drifted")


@dataclass(frozen=True)
class Counts:
    """How many regions are in each state."""

    regions: int = 0
    in_sync: int = 0
    drifted: int = 0
    error: int = 0
    not_configured: int = 0

    @classmethod
    def of(cls, regions: Iterable[RegionReport]) -> Counts:
        """Count ``regions`` by status."""
        statuses = [r.status for r in regions]
        return cls(
            regions=len(statuses),
            in_sync=statuses.count("in_sync"),
            drifted=statuses.count("drifted"),
            error=statuses.count("error"),
            not_configured=statuses.count("not_configured"),
        )

    def to_json(self) -> dict[str, int]:
        """The camelCase JSON object of the schema's ``counts``."""
        return {to_camel(f.name): getattr(self, f.name) for f in dataclasses.fields(self)}


def _status(counts: Counts, failed: bool) -> Status:
    if failed or counts.error:
        return "error"
    return "drifted" if counts.drifted or counts.not_configured else "in_sync"


@dataclass(frozen=True)
class StackReport:
    """One stack. ``error`` (with ``problems``) means the stack could not be checked at all."""

    name: str
    file: str
    regions: tuple[RegionReport, ...] = ()
    error: str | None = None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    file_label: str = "Stack file"
    """What ``file`` is, for a reader (``Preview file`` when drawn from ``pulumi preview``);
    not part of the JSON."""

    @property
    def counts(self) -> Counts:
        """Regions of this stack by status."""
        return Counts.of(self.regions)

    @property
    def status(self) -> Status:
        """error if the stack or any region failed, else drifted if any region is off."""
        return _status(self.counts, self.error is not None)

    def to_json(self) -> dict[str, Any]:
        """The schema's ``stack`` object."""
        return {
            "name": self.name,
            "file": self.file,
            "status": self.status,
            "error": self.error,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "counts": self.counts.to_json(),
            "regions": [
                {
                    "region": r.region,
                    "status": r.status,
                    "delivery": r.delivery,
                    "error": r.error,
                    "fields": [dataclasses.asdict(f) for f in r.fields],
                }
                for r in self.regions
            ],
        }


@dataclass(frozen=True)
class DriftReport:
    """The result of one drift check over one or more stacks of a project."""

    project: str
    checked_at: str
    """When the check ran: UTC, to the second, e.g. ``2026-12-06T09:30:00Z``."""
    stacks: tuple[StackReport, ...]

    @property
    def counts(self) -> Counts:
        """Regions of every stack by status."""
        return Counts.of(r for s in self.stacks for r in s.regions)

    @property
    def status(self) -> Status:
        """The worst status of any stack."""
        return _status(self.counts, any(s.error is not None for s in self.stacks))

    @property
    def exit_code(self) -> int:
        """0 in sync, 2 drifted or not configured, 1 any error."""
        return {"in_sync": EXIT_IN_SYNC, "drifted": EXIT_DRIFT, "error": EXIT_ERROR}[self.status]

    def to_json(self) -> dict[str, Any]:
        """The JSON document described by ``docs/drift-report.schema.json``."""
        return {
            "schemaVersion": SCHEMA_VERSION,
            "project": self.project,
            "checkedAt": self.checked_at,
            "status": self.status,
            "exitCode": self.exit_code,
            "summary": summary_line(self),
            "counts": {"stacks": len(self.stacks), **self.counts.to_json()},
            "stacks": [s.to_json() for s in self.stacks],
        }


def _map_strings(value: _T, fn: Callable[[str], str]) -> _T:
    """Apply ``fn`` to every string inside nested frozen dataclasses and tuples."""
    result: Any = value
    if isinstance(value, str):
        result = fn(value)
    elif isinstance(value, tuple):
        result = tuple(_map_strings(v, fn) for v in value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _map_strings(getattr(value, f.name), fn) for f in dataclasses.fields(value)
        }
        result = dataclasses.replace(value, **changes)
    return cast(_T, result)


def redact_report(report: DriftReport, secrets: Iterable[str]) -> DriftReport:
    """``report`` with every known secret worth redacting replaced by ``[redacted]``."""
    known = worth_redacting(secrets)
    return _map_strings(report, lambda text: redact(text, known)) if known else report


# ---------------------------------------------------------------------------- summary line


def plural(count: int, word: str) -> str:
    """``1 region``, ``2 regions``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _stack_phrase(stack: StackReport) -> str:
    if stack.error is not None:
        return f"{stack.name} could not be checked"
    counts = stack.counts
    parts = [
        (counts.drifted, "drifted"),
        (counts.not_configured, "not configured"),
        (counts.error, "failed"),
    ]
    found = [(n, word) for n, word in parts if n]
    if not found:
        return f"{stack.name} in sync"
    first, *rest = found
    words = [f"{first[0]} of {plural(counts.regions, 'region')} {first[1]}"]
    words += [f"{n} {word}" for n, word in rest]
    return f"{', '.join(words)} in {stack.name}"


def summary_line(report: DriftReport) -> str:
    """One line, e.g. ``1 of 3 regions drifted in prod; staging in sync`` (plain text).

    With many stacks the per-stack form is replaced by totals, so the line stays short.
    """
    if not report.stacks:
        return "no stacks checked"
    line = "; ".join(_stack_phrase(s) for s in report.stacks)
    if len(line) <= _SUMMARY_MAX:
        return line
    counts = report.counts
    failed = sum(1 for s in report.stacks if s.error is not None)
    parts = [
        f"{counts.drifted} of {plural(counts.regions, 'region')} drifted",
        f"{counts.not_configured} not configured",
        f"{counts.error} failed",
    ]
    if failed:
        parts.append(f"{plural(failed, 'stack')} could not be checked")
    return f"{', '.join(parts)} across {len(report.stacks)} stacks"
