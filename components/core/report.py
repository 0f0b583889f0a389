"""The drift report: stacks -> regions -> fields, and its three renderings.

Pure (no I/O): :class:`DriftReport` holds only display-safe strings (auth keys appear as
fingerprints), and :func:`render` turns it into a terminal table (rich), versioned JSON
(``docs/drift-report.schema.json``) or a Markdown PR comment that stays under GitHub's
comment limit. :func:`render` also runs every string through
:func:`components.core.fingerprint.redact` with the known secrets, as a last line of defence.

Exit codes follow ``terraform plan -detailed-exitcode``: 0 in sync, 2 drift (including a
region with nothing configured), 1 error (an error wins over drift).
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from components.core.fingerprint import redact

SCHEMA_VERSION = 1
MARKER = "<!-- ims-callbacks-drift -->"
MAX_COMMENT_CHARS = 65_536
"""GitHub's limit for an issue or PR comment; Markdown output stays strictly below it."""
EXIT_IN_SYNC, EXIT_ERROR, EXIT_DRIFT = 0, 1, 2
MIN_SECRET_LENGTH = 4
"""Shorter "secrets" are not redacted: replacing every ``x`` would garble the whole report."""

Format = Literal["table", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("table", "json", "markdown")
Status = Literal["in_sync", "drifted", "error"]
RegionStatus = Literal["in_sync", "drifted", "error", "not_configured"]
FieldStatus = Literal["in_sync", "drifted", "not_compared"]

_SUMMARY_MAX = 300
_LABELS: dict[str, str] = {
    "in_sync": "in sync",
    "drifted": "drifted",
    "error": "error",
    "not_configured": "not configured",
    "not_compared": "not compared",
}
_ICONS = {
    "in_sync": "✅",
    "drifted": "⚠️",
    "error": "❌",
    "not_configured": "⚠️",
    "not_compared": "⚪",
}
_STYLES = {
    "in_sync": "green",
    "drifted": "yellow",
    "error": "red",
    "not_configured": "yellow",
    "not_compared": "dim",
}
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
        return {
            "regions": self.regions,
            "inSync": self.in_sync,
            "drifted": self.drifted,
            "error": self.error,
            "notConfigured": self.not_configured,
        }


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
    """``report`` with every known secret (at least 4 characters) replaced by ``[redacted]``."""
    known = [s for s in secrets if len(s) >= MIN_SECRET_LENGTH]
    return _map_strings(report, lambda text: redact(text, known)) if known else report


# ---------------------------------------------------------------------------- summary line


def _plural(count: int, word: str) -> str:
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
    words = [f"{first[0]} of {_plural(counts.regions, 'region')} {first[1]}"]
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
        f"{counts.drifted} of {_plural(counts.regions, 'region')} drifted",
        f"{counts.not_configured} not configured",
        f"{counts.error} failed",
    ]
    if failed:
        parts.append(f"{_plural(failed, 'stack')} could not be checked")
    return f"{', '.join(parts)} across {len(report.stacks)} stacks"


# ---------------------------------------------------------------------------- terminal table


def _styled(status: str) -> Text:
    return Text(_LABELS[status], style=_STYLES[status])


def _field_table(fields: Iterable[FieldReport], verbose: bool) -> Table:
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    table.add_column("Field")
    if verbose:
        table.add_column("Status")
    table.add_column("Desired (stack)", overflow="fold")
    table.add_column("Live (cloud)", overflow="fold")
    for item in fields:
        cells: list[RenderableType] = [Text(item.field)]
        if verbose:
            cells.append(_styled(item.status))
        live = Text(item.live)
        if item.note:
            live.append(f"\n{item.note}", style="dim")
        table.add_row(*cells, Text(item.desired), live)
    return table


def _region_detail(region: RegionReport, verbose: bool) -> RenderableType:
    if region.status == "error":
        return Text(region.error or "", style="red")
    if verbose:
        return _field_table(region.fields, verbose=True)
    if region.status == "not_configured":
        return Text("nothing is configured in this region")
    shown = [f for f in region.fields if f.status != "in_sync"]
    return _field_table(shown, verbose=False) if shown else Text("")


def _stack_renderables(stack: StackReport, verbose: bool) -> list[RenderableType]:
    title = Text.assemble((stack.name, "bold"), f"  {stack.file}  ", _styled(stack.status))
    parts: list[RenderableType] = [Text(""), title]
    if stack.error is not None:
        parts.append(Text(stack.error, style="red"))
        parts.extend(Text(f"  {problem}", style="red") for problem in stack.problems)
    parts.extend(Text(f"warning: {warning}", style="yellow") for warning in stack.warnings)
    if stack.regions:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False)
        table.add_column("Region", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Details", overflow="fold")
        for region in stack.regions:
            table.add_row(
                Text(region.region),
                _styled(region.status),
                _region_detail(region, verbose),
            )
        parts.append(table)
    return parts


def render_table(
    report: DriftReport, *, verbose: bool = False, width: int = 120, color: bool = False
) -> str:
    """A terminal table per stack; only drifted/failed fields unless ``verbose``."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
    )
    heading = Text.assemble(("ims-callbacks drift: ", "bold"), summary_line(report))
    renderables: list[RenderableType] = [heading]
    for stack in report.stacks:
        renderables.extend(_stack_renderables(stack, verbose))
    for renderable in renderables:  # lines of text are not wrapped: they stay greppable
        console.print(renderable, markup=False, soft_wrap=isinstance(renderable, Text))
    return buffer.getvalue()


# ---------------------------------------------------------------------------- JSON


def render_json(report: DriftReport) -> str:
    """The report as indented JSON (schema version :data:`SCHEMA_VERSION`) with a newline."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- Markdown


def _code(text: str) -> str:
    """``text`` as an inline code span that is safe inside a GFM table cell."""
    text = " ".join(text.split()).replace("|", "\\|")
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_status(status: str) -> str:
    return f"{_ICONS[status]} {_LABELS[status]}"


def _md_stack_section(stack: StackReport) -> str:
    lines = [
        f"### {_code(stack.name)}: {_md_status(stack.status)}",
        "",
        f"Stack file {_code(stack.file)}.",
    ]
    if stack.error is not None:
        lines += ["", f"**Could not be checked:** {_code(stack.error)}"]
        lines += [f"- {_code(problem)}" for problem in stack.problems]
    if stack.warnings:
        lines += ["", "Warnings:"] + [f"- {_code(warning)}" for warning in stack.warnings]
    if stack.regions:
        lines += [
            "",
            "| Region | Status | Delivery | Drifted fields / error |",
            "|---|---|---|---|",
        ]
        for region in stack.regions:
            what = (
                _code(region.error or "")
                if region.status == "error"
                else ", ".join(_code(f.field) for f in region.drifted_fields)
            )
            status = _md_status(region.status)
            lines.append(f"| {_code(region.region)} | {status} | {region.delivery} | {what} |")
    counts = stack.counts
    if counts.drifted or counts.not_configured:
        lines += [
            "",
            "> [!WARNING]",
            "> `pulumi up` on this stack replaces the whole live setting of every drifted or "
            "unconfigured region with the stack's (SetEventCallback overwrites the region's "
            "callback): console changes listed here will be lost.",
        ]
    return "\n".join(lines)


def _md_region_details(stack: StackReport, region: RegionReport) -> str:
    drifted = len(region.drifted_fields)
    label = _LABELS[region.status]
    if region.status == "drifted":
        label += f" ({_plural(drifted, 'field')})"
    summary = html.escape(f"{stack.name} / {region.region}: {label}")
    lines = [
        f"<details><summary>{summary}</summary>",
        "",
        "| Field | Status | Desired (stack) | Live (cloud) |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {_code(f.field)} | {_md_status(f.status)} | {_code(f.desired)} | {_code(f.live)} |"
        for f in region.fields
    ]
    notes = [f"- {_code(f.field)}: {_code(f.note)}" for f in region.fields if f.note]
    if notes:
        lines += ["", *notes]
    lines += ["", "</details>"]
    return "\n".join(lines)


@dataclass(frozen=True)
class _Block:
    text: str
    kind: Literal["head", "section", "details"]


_SEP = "\n\n"


def _cut_note(dropped: Counter[str]) -> str:
    what = []
    if dropped["details"]:
        what.append(f"the details of {_plural(dropped['details'], 'region')}")
    if dropped["section"]:
        what.append(f"the sections of {_plural(dropped['section'], 'stack')}")
    cut = " and ".join(what) or "the end of the report"
    return (
        f"> ✂️ Cut to stay under GitHub's {MAX_COMMENT_CHARS:,}-character comment limit: "
        f"{cut} omitted. The JSON report (`--format json`) has everything."
    )


def _fit(blocks: list[_Block], limit: int) -> str:
    """Join ``blocks`` into fewer than ``limit`` characters.

    Drops details, then stack sections, from the end and appends a note saying what was
    cut; if the head alone is still too long, it is cut at a line end.
    """
    keep = list(blocks)
    dropped: Counter[str] = Counter()
    total = sum(len(b.text) for b in keep) + len(_SEP) * (len(keep) - 1)

    def size() -> int:
        return total + (len(_SEP) + len(_cut_note(dropped)) if dropped else 0)

    for kind in ("details", "section"):
        for index in range(len(keep) - 1, -1, -1):
            if size() < limit:
                break
            if keep[index].kind == kind:
                total -= len(keep[index].text) + len(_SEP)
                dropped[kind] += 1
                del keep[index]
    text = _SEP.join(b.text for b in keep)
    if not dropped:
        return text
    note = _cut_note(dropped)
    room = limit - 1 - len(_SEP) - len(note)
    if len(text) > room:
        text = text[:room].rsplit("\n", 1)[0]
    return f"{text}{_SEP}{note}"


def render_markdown(
    report: DriftReport, *, secrets: Iterable[str] = (), limit: int = MAX_COMMENT_CHARS
) -> str:
    """A PR comment: marker, one-line summary, a section per stack, collapsible details.

    The result (including its final newline) is shorter than ``limit`` characters: region
    details are dropped from the end first, then stack sections, and a note says what was
    cut; the marker and summary always stay. ``secrets`` are redacted before measuring.
    """
    known = [s for s in secrets if len(s) >= MIN_SECRET_LENGTH]
    counts = report.counts
    head = "\n".join(
        [
            MARKER,
            f"**ims-callbacks drift:** {summary_line(report)}",
            "",
            f"<sub>project {_code(report.project)} · checked {_code(report.checked_at)} · "
            f"{_plural(len(report.stacks), 'stack')}, {_plural(counts.regions, 'region')}: "
            f"{counts.in_sync} in sync, {counts.drifted} drifted, "
            f"{counts.not_configured} not configured, {_plural(counts.error, 'error')} · "
            f"exit code {report.exit_code}</sub>",
        ]
    )
    blocks = [_Block(head, "head")]
    for stack in report.stacks:
        blocks.append(_Block(_md_stack_section(stack), "section"))
        blocks.extend(
            _Block(_md_region_details(stack, region), "details")
            for region in stack.regions
            if region.fields
        )
    safe = [_Block(redact(b.text, known), b.kind) for b in blocks]
    return _fit(safe, limit - 1) + "\n"


# ---------------------------------------------------------------------------- dispatch


def render(
    report: DriftReport,
    fmt: Format,
    *,
    secrets: Iterable[str] = (),
    verbose: bool = False,
    width: int = 120,
    color: bool = False,
) -> str:
    """Render ``report`` as ``fmt``, with ``secrets`` redacted before and after rendering."""
    known = [s for s in secrets if len(s) >= MIN_SECRET_LENGTH]
    safe = redact_report(report, known)
    if fmt == "json":
        text = render_json(safe)
    elif fmt == "markdown":
        text = render_markdown(safe, secrets=known)
    else:
        text = render_table(safe, verbose=verbose, width=width, color=color)
    return redact(text, known)
