"""The drift report as a terminal table per stack (rich)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from components.drift.report import (
    LABELS,
    DriftReport,
    FieldReport,
    RegionReport,
    StackReport,
    summary_line,
)

_STYLES = {
    "in_sync": "green",
    "drifted": "yellow",
    "error": "red",
    "not_configured": "yellow",
    "not_compared": "dim",
}


def _styled(status: str) -> Text:
    return Text(LABELS[status], style=_STYLES[status])


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
