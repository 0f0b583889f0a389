"""The drift report's three renderings: a terminal table (``table``), versioned JSON
(``docs/drift-report.schema.json``) and a Markdown PR comment (``markdown``).

:func:`render` also runs every string through :func:`components.core.fingerprint.redact`
with the known secrets, before and after rendering, as a last line of defence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal

from components.core.fingerprint import redact, worth_redacting
from components.drift.render.markdown import MARKER, MAX_COMMENT_CHARS, render_markdown
from components.drift.render.table import render_table
from components.drift.report import DriftReport, redact_report

__all__ = [
    "FORMATS",
    "MARKER",
    "MAX_COMMENT_CHARS",
    "Format",
    "render",
    "render_json",
    "render_markdown",
    "render_table",
]

Format = Literal["table", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("table", "json", "markdown")


def render_json(report: DriftReport) -> str:
    """The report as indented JSON (schema version ``SCHEMA_VERSION``) with a newline."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


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
    known = worth_redacting(secrets)
    safe = redact_report(report, known)
    if fmt == "json":
        text = render_json(safe)
    elif fmt == "markdown":
        text = render_markdown(safe, secrets=known)
    else:
        text = render_table(safe, verbose=verbose, width=width, color=color)
    return redact(text, known)
