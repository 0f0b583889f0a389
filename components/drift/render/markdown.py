"""The drift report as a Markdown PR comment that stays under GitHub's comment limit."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from components.core.fingerprint import redact, worth_redacting
from components.drift.report import (
    LABELS,
    DriftReport,
    RegionReport,
    StackReport,
    plural,
    summary_line,
)

MARKER = "<!-- ims-callbacks-drift -->"
MAX_COMMENT_CHARS = 65_536
"""GitHub's limit for an issue or PR comment; Markdown output stays strictly below it."""
_ICONS = {
    "in_sync": "✅",
    "drifted": "⚠️",
    "error": "❌",
    "not_configured": "⚠️",
    "not_compared": "⚪",
}


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
    return f"{_ICONS[status]} {LABELS[status]}"


def _md_stack_section(stack: StackReport) -> str:
    lines = [
        f"### {_code(stack.name)}: {_md_status(stack.status)}",
        "",
        f"{stack.file_label} {_code(stack.file)}.",
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
    label = LABELS[region.status]
    if region.status == "drifted":
        label += f" ({plural(drifted, 'field')})"
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
        what.append(f"the details of {plural(dropped['details'], 'region')}")
    if dropped["section"]:
        what.append(f"the sections of {plural(dropped['section'], 'stack')}")
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
    known = worth_redacting(secrets)
    counts = report.counts
    head = "\n".join(
        [
            MARKER,
            f"**ims-callbacks drift:** {summary_line(report)}",
            "",
            f"<sub>project {_code(report.project)} · checked {_code(report.checked_at)} · "
            f"{plural(len(report.stacks), 'stack')}, {plural(counts.regions, 'region')}: "
            f"{counts.in_sync} in sync, {counts.drifted} drifted, "
            f"{counts.not_configured} not configured, {plural(counts.error, 'error')} · "
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
