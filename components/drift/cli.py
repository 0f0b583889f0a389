"""Command line of the drift check (usage and exit codes: docs/drift.md)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from components.core.fingerprint import redact
from components.core.provider_settings import EMULATOR_ENV
from components.drift.render import FORMATS, render
from components.drift.report import EXIT_ERROR, summary_line
from components.drift.stackfile import (
    Project,
    StackFileError,
    load_project,
    start_key_derivations,
)

DEFAULT_WIDTH = 120


class _Parser(argparse.ArgumentParser):
    """Usage errors exit with 1, not argparse's 2 (which means drift here)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = _Parser(
        prog="python -m components.drift",
        description=(
            "Read-only drift check: compare each region's IMS event-callback setting "
            "(GetEventCallback) with the stack files. Needs no Pulumi state, engine or CLI. "
            "Exit codes: 0 in sync, 2 drift or a region not configured, 1 error."
        ),
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--stack", action="append", metavar="NAME", help="stack to check (repeatable)"
    )
    which.add_argument("--all", action="store_true", help="every stacks/Pulumi.<stack>.yaml")
    parser.add_argument(
        "--project-dir",
        default=".",
        type=Path,
        metavar="DIR",
        help="directory of Pulumi.yaml (default: .)",
    )
    parser.add_argument(
        "--stacks-dir",
        type=Path,
        metavar="DIR",
        help="stack file directory (default: stackConfigDir)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="default: table")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the report here")
    parser.add_argument(
        "--emulator",
        metavar="URL",
        help=f"loopback emulator URL (wins over ims:emulator and ${EMULATOR_ENV})",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="table: show every field, not only drifted ones"
    )
    return parser


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _selected(project: Project, args: argparse.Namespace) -> list[str]:
    if not args.all:
        return list(dict.fromkeys(args.stack))
    names = project.all_stacks()
    if not names:
        raise StackFileError(f"no stack files (Pulumi.<stack>.yaml) in {project.stack_dir}")
    return names


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the check; return the exit code (0 in sync, 2 drift, 1 error)."""
    args = build_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        project = load_project(args.project_dir, args.stacks_dir)
        names = _selected(project, args)
    except StackFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    # The key derivation (CPU, without the GIL) overlaps the SDK import (CPU, with the GIL).
    start_key_derivations(project, names, env)
    from components.aliyun.endpoints import Transport, TransportError  # noqa: PLC0415
    from components.aliyun.runtime import prepare  # noqa: PLC0415
    from components.drift.check import check  # noqa: PLC0415

    prepare()

    try:
        if args.emulator:
            Transport(emulator=args.emulator)
    except TransportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    report, secrets = check(project, names, environ=env, checked_at=_now(), emulator=args.emulator)
    color = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in env
    width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if color else DEFAULT_WIDTH
    text = render(
        report, args.format, secrets=secrets, verbose=args.verbose, width=width, color=color
    )
    if args.output is None:
        sys.stdout.write(text)
        return report.exit_code
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    summary = redact(summary_line(report), secrets)
    print(f"ims-callbacks drift: {summary} (report: {args.output})", file=sys.stderr)
    return report.exit_code
