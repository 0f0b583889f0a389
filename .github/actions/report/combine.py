"""Combine the per-stack drift reports (and preview output) into ONE Markdown body.

Used by the workflows for the sticky pull-request comment (``--mode pr``) and for the body of
the scheduled drift issue (``--mode issue``). Standard library only.

Input: ``--reports DIR`` holds one folder per stack, named ``report-<stack>`` (the artifact
names) or ``<stack>``, with whatever the stack's job managed to write:

    drift.md        python -m components.drift --format markdown (starts with the marker)
    drift.json      python -m components.drift --format json
    drift.exit      the drift check's exit code (0 in sync, 2 drift, 1 error)
    preview.txt     redacted output of `pulumi preview --refresh --diff` (pr mode)
    preview.exit    its exit code
    preview.skipped why the preview was not run (one line)
    preview.json    `pulumi preview --refresh --json` (the preview route: preview.txt is its
                    ``Resources:`` summary)

Output: ``--output FILE`` (Markdown, first line the hidden marker ``<!-- ims-callbacks-drift -->``)
and ``--status FILE`` (JSON: ``exitCode``, ``summary``, per-stack results). The body is kept
under GitHub's 65,536-character limit for comments and issue bodies: the marker, the summary
line and the per-stack table always stay; the preview output is cut from the front (so the
``Resources:`` summary survives), then dropped; then the drift reports lose their ``<details>``
blocks, then their sections; a note says what was cut. A stack listed in ``--stacks`` without a
report counts as an error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "<!-- ims-callbacks-drift -->"
GITHUB_LIMIT = 65_536
BUDGET = 65_000
"""Target size, in UTF-16 code units (what GitHub counts), with room for the cut notes."""
PREVIEW_CAP = 20_000
MIN_PREVIEW = 1_500
SUMMARY_MAX = 2_000
"""Longer per-stack summaries become counts, so the summary line always fits."""
DRIFT_ICON = {"in_sync": "✅", "drifted": "⚠️", "error": "❌"}
_DETAILS = re.compile(r"<details>.*?</details>\n*", re.DOTALL)
_BACKTICKS = re.compile(r"`+")


def gh_len(text: str) -> int:
    """Length as GitHub counts it (UTF-16 code units; an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def cell(text: str) -> str:
    """Make ``text`` safe inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _code(path: Path) -> int | None:
    text = _read(path)
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


@dataclass
class StackReport:
    """What one stack's job produced."""

    name: str
    found: bool = False
    drift_md: str = ""
    drift_json: dict[str, object] = field(default_factory=dict)
    drift_exit: int | None = None
    preview: str | None = None
    preview_exit: int | None = None
    preview_skipped: str | None = None
    preview_json: bool = False
    """The preview ran with ``--json`` (the review action's preview route): a summary only."""

    @property
    def drift_status(self) -> str:
        """``in_sync`` | ``drifted`` | ``error`` (missing or unreadable reports are errors)."""
        status = self.drift_json.get("status")
        code = self.drift_exit
        if isinstance(status, str) and status in DRIFT_ICON and code in (0, 1, 2, None):
            if code == 1:
                return "error"
            return status
        return {0: "in_sync", 2: "drifted"}.get(code if code is not None else -1, "error")

    @property
    def drift_summary(self) -> str:
        """The drift tool's one-line summary, or why there is none."""
        summary = self.drift_json.get("summary")
        if isinstance(summary, str) and summary:
            return summary
        if not self.found:
            return "no report: the job failed before the drift check (see the workflow run)"
        if self.drift_exit is None:
            return "the drift check did not run (see the workflow run)"
        return {0: "in sync", 2: "drift"}.get(self.drift_exit, f"error (exit {self.drift_exit})")

    def preview_state(self) -> str:
        """``ok`` | ``failed`` | ``skipped`` | ``missing``."""
        if self.preview_skipped is not None:
            return "skipped"
        if self.preview_exit is None:
            return "missing"
        return "ok" if self.preview_exit == 0 else "failed"


def load(reports: Path, stacks: Sequence[str]) -> list[StackReport]:
    """One report per expected stack (in order), plus any extra report folders found."""
    found: dict[str, Path] = {}
    if reports.is_dir():
        for folder in sorted(p for p in reports.iterdir() if p.is_dir()):
            name = folder.name.removeprefix("report-")
            found[name] = folder
    names = list(stacks) + [n for n in found if n not in stacks]
    result = []
    for name in names:
        report = StackReport(name)
        if (stack_dir := found.get(name)) is not None:
            report.found = True
            report.drift_md = _read(stack_dir / "drift.md") or ""
            raw = _read(stack_dir / "drift.json")
            try:
                data = json.loads(raw) if raw else {}
            except ValueError:
                data = {}
            report.drift_json = data if isinstance(data, dict) else {}
            report.drift_exit = _code(stack_dir / "drift.exit")
            report.preview = _read(stack_dir / "preview.txt")
            report.preview_exit = _code(stack_dir / "preview.exit")
            report.preview_json = (stack_dir / "preview.json").is_file()
            skipped = _read(stack_dir / "preview.skipped")
            report.preview_skipped = skipped.strip() if skipped is not None else None
        result.append(report)
    return result


def resources_summary(preview: str) -> str:
    """``~ 1 to update, 3 unchanged`` from the last ``Resources:`` block of a preview."""
    lines = preview.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "Resources:"]
    if not starts:
        return ""
    parts = []
    for line in lines[starts[-1] + 1 :]:
        if not line.strip():
            break
        parts.append(" ".join(line.split()))
    return ", ".join(parts)


def preview_cell(report: StackReport) -> str:
    """The table cell for the preview column."""
    state = report.preview_state()
    if state == "skipped":
        return f"⏭️ skipped: {report.preview_skipped}"
    if state == "missing":
        return "❌ did not run (see the workflow run)"
    summary = resources_summary(report.preview or "")
    if state == "failed":
        return f"❌ failed (exit {report.preview_exit})"
    return f"`{summary}`" if summary else "✅ ok"


def tail(text: str, limit: int) -> tuple[str, int]:
    """The end of ``text`` within ``limit`` code units, starting at a line; lines dropped."""
    if gh_len(text) <= limit:
        return text, 0
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        size += gh_len(line)
        if size > limit:
            break
        kept.append(line)
    if not kept:  # one enormous last line: keep its end
        last = lines[-1]
        kept = [last[-max(limit // 2, 1) :]]
    return "".join(reversed(kept)), len(lines) - len(kept)


def fence(text: str) -> str:
    """A backtick fence longer than any backtick run in ``text``."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def preview_block(report: StackReport, limit: int) -> str:
    """The collapsed preview output, cut from the front to ``limit`` code units."""
    text = (report.preview or "").rstrip("\n") + "\n"
    body, dropped = tail(text, limit)
    flags = "--json" if report.preview_json else "--diff"
    title = f"<code>pulumi preview --refresh {flags} --stack {report.name}</code>"
    if report.preview_state() == "failed":
        title += f" failed (exit {report.preview_exit})"
    note = ""
    if dropped:
        note = (
            f"_The first {dropped} lines are cut so that the end (and the `Resources:` summary)"
            f" fits; the whole output is in the `report-{report.name}` artifact._\n\n"
        )
    f = fence(body)
    return f"<details><summary>{title}</summary>\n\n{note}{f}text\n{body}{f}\n\n</details>\n"


def drift_body(report: StackReport, details: bool) -> str:
    """The stack's drift Markdown without its marker (and optionally without <details>)."""
    if not report.drift_md:
        icon = DRIFT_ICON[report.drift_status]
        return f"### `{report.name}`: {icon} {cell(report.drift_summary)}\n"
    lines = [line for line in report.drift_md.splitlines() if line.strip() != MARKER]
    text = "\n".join(lines).strip("\n") + "\n"
    if not details:
        text = _DETAILS.sub("", text)
    return text


def header(reports: Sequence[StackReport], mode: str, meta: str) -> str:
    """Marker, summary line, meta line and the per-stack table (never cut)."""
    parts = []
    for r in reports:
        part = f"`{r.name}` {DRIFT_ICON[r.drift_status]} {r.drift_summary}"
        if mode == "pr":
            part += f" · preview: {preview_cell(r)}"
        parts.append(part)
    title = "ims-callbacks drift and preview" if mode == "pr" else "ims-callbacks drift"
    summary = " — ".join(parts) or "no stacks"
    if gh_len(summary) > SUMMARY_MAX:  # many stacks: counts instead of one part per stack
        counts: dict[str, int] = {}
        for r in reports:
            counts[r.drift_status] = counts.get(r.drift_status, 0) + 1
        summary = f"{len(reports)} stacks: " + ", ".join(
            f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items())
        )
        if mode == "pr":
            failed = sum(r.preview_state() in ("failed", "missing") for r in reports)
            summary += f"; {failed} previews failed or missing"
    lines = [MARKER, f"**{title}:** " + cell(summary), ""]
    if meta:
        lines += [f"<sub>{meta}</sub>", ""]
    if mode == "pr":
        lines += [
            "| Stack | Drift (live vs. this branch's stack file) "
            "| Preview (`pulumi preview --refresh`) |",
            "|---|---|---|",
        ]
        for r in reports:
            lines.append(
                f"| `{r.name}` | {DRIFT_ICON[r.drift_status]} {cell(r.drift_summary)} "
                f"| {cell(preview_cell(r))} |"
            )
    else:
        lines += ["| Stack | Drift (live vs. the stack file on the default branch) |", "|---|---|"]
        for r in reports:
            lines.append(f"| `{r.name}` | {DRIFT_ICON[r.drift_status]} {cell(r.drift_summary)} |")
    if mode == "pr":
        lines += [
            "",
            "Drift in a pull request is expected where the branch changes a stack file: the "
            "check compares the branch's desired settings with the live ones. The preview runs "
            "with `--refresh`, so it shows live → desired values field by field.",
        ]
    return "\n".join(lines) + "\n"


def render(reports: Sequence[StackReport], mode: str, meta: str = "") -> str:
    """The whole body, shrunk in steps until it fits :data:`BUDGET`."""
    head = header(reports, mode, meta)
    with_preview = [r for r in reports if mode == "pr" and r.preview]

    def build(details: bool, sections: bool, preview_limit: int | None) -> str:
        out = [head]
        if sections:
            for r in reports:
                out.append("\n---\n\n" + drift_body(r, details))
                if mode == "pr" and r.preview_state() == "skipped":
                    out.append(f"\nPreview skipped: {cell(r.preview_skipped or '')}\n")
                elif r in with_preview:
                    if preview_limit is None:
                        out.append(
                            f"\n_Preview output omitted for size: see the `report-{r.name}` "
                            "artifact of the workflow run._\n"
                        )
                    else:
                        out.append("\n" + preview_block(r, preview_limit))
        return "".join(out)

    def share(details: bool) -> int | None:
        """The preview size per stack that fits next to everything else, if useful."""
        if not with_preview:
            return None
        fixed = gh_len(build(details, True, 0))
        size = (BUDGET - fixed) // len(with_preview)
        return size if size >= MIN_PREVIEW else None

    # (details, sections, preview limit: a size, or None = left out); first that fits wins.
    attempts: list[tuple[bool, bool, int | None]] = [(True, True, PREVIEW_CAP)]
    for details in (True, False):
        size = share(details)
        if size is not None:
            attempts.append((details, True, min(size, PREVIEW_CAP)))
        if not details:
            attempts.append((False, True, PREVIEW_CAP))
    attempts += [(False, True, None), (False, False, None)]
    chosen = attempts[-1]
    body = ""
    for attempt in attempts:
        body = build(*attempt)
        chosen = attempt
        if gh_len(body) <= BUDGET:
            break
    details, sections, limit = chosen
    cuts = []
    if with_preview and (limit is None or not sections):
        cuts.append("the preview output")
    if not details:
        cuts.append("the per-region field tables")
    if not sections:
        cuts.append("the per-stack sections")
    note = cut_note(cuts)
    return hard_cut(body, BUDGET - gh_len(note)) + note


def cut_note(cuts: Sequence[str]) -> str:
    """The note that says what was left out (empty if nothing)."""
    if not cuts:
        return ""
    return (
        f"\n> [!NOTE]\n> Shortened to stay under GitHub's {GITHUB_LIMIT:,}-character limit: "
        f"{', '.join(cuts)} left out. The workflow run's `report-<stack>` artifacts have "
        "everything (drift.md, drift.json, preview.txt).\n"
    )


def hard_cut(body: str, room: int) -> str:
    """Last resort (very many stacks): cut whole lines from the end, keep marker and summary."""
    if gh_len(body) <= room:
        return body
    keep = []
    size = 0
    for line in body.splitlines(keepends=True):
        size += gh_len(line)
        if size > room - 200:
            break
        keep.append(line)
    return "".join(keep) + "\n_(the rest of the table is cut)_\n"


def status(reports: Sequence[StackReport], mode: str) -> dict[str, object]:
    """Machine-readable result; ``exitCode`` 1 error, 2 drift (issue mode only), else 0."""
    errors = [r.name for r in reports if r.drift_status == "error"]
    if mode == "pr":
        errors += [r.name for r in reports if r.preview_state() in ("failed", "missing") and r.name]
    drifted = [r.name for r in reports if r.drift_status == "drifted"]
    if errors:
        code = 1
    elif drifted and mode == "issue":
        code = 2
    else:
        code = 0
    summary = "; ".join(f"{r.name}: {r.drift_summary}" for r in reports) or "no stacks"
    return {
        "exitCode": code,
        "summary": summary,
        "errors": sorted(set(errors)),
        "drifted": drifted,
        "stacks": {
            r.name: {
                "drift": r.drift_status,
                "driftExit": r.drift_exit,
                "preview": r.preview_state() if mode == "pr" else None,
                "previewExit": r.preview_exit,
            }
            for r in reports
        },
    }


def parse_stacks(value: str) -> list[str]:
    """``["dev","prod"]`` (JSON) or ``dev,prod`` / ``dev prod``."""
    value = value.strip()
    if value.startswith("["):
        data = json.loads(value)
        return [str(s) for s in data]
    return [s for s in re.split(r"[,\s]+", value) if s]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=Path, required=True, metavar="DIR")
    parser.add_argument("--stacks", default="", help='expected stacks: ["dev","prod"] or dev,prod')
    parser.add_argument("--mode", choices=("pr", "issue"), default="pr")
    parser.add_argument("--meta", default="", help="one line under the summary (run link...)")
    parser.add_argument("--output", type=Path, required=True, metavar="FILE")
    parser.add_argument("--status", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    reports = load(args.reports, parse_stacks(args.stacks))
    body = render(reports, args.mode, args.meta)
    args.output.write_text(body, encoding="utf-8")
    result = status(reports, args.mode)
    result["characters"] = gh_len(body)
    if args.status:
        args.status.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{args.output}: {gh_len(body):,} characters; exit code {result['exitCode']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
