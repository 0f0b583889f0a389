"""Command line of the drift check (usage and exit codes: docs/drift.md)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from components.core.fingerprint import redact
from components.core.provider_settings import EMULATOR_ENV
from components.drift.render import FORMATS, render
from components.drift.report import EXIT_ERROR, DriftReport, summary_line
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
            "Or, for any project, render the drift from `pulumi preview --refresh --json` "
            "(--from-preview). "
            "Exit codes: 0 in sync, 2 drift or a region not configured, 1 error."
        ),
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--stack",
        action="append",
        metavar="NAME",
        help="stack to check (repeatable); with --from-preview, the stack's name in the report",
    )
    which.add_argument("--all", action="store_true", help="every stacks/Pulumi.<stack>.yaml")
    parser.add_argument(
        "--from-preview",
        metavar="FILE",
        help="render the drift from FILE, the output of `pulumi preview --refresh --json` "
        "(- for stdin), instead of reading the live settings; works for any project",
    )
    parser.add_argument(
        "--project-dir",
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


_LIVE_ONLY = ("all", "project_dir", "stacks_dir", "emulator")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, with the rules argparse cannot say: one route, its own options."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.from_preview is None:
        if not args.stack and not args.all:
            parser.error("one of the arguments --stack --all --from-preview is required")
        return args
    given = [name for name in _LIVE_ONLY if getattr(args, name) not in (None, False)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        parser.error(f"--from-preview renders a preview; it reads nothing live: drop {options}")
    if args.stack and len(args.stack) > 1:
        parser.error("--from-preview renders one stack: give --stack once")
    return args


def _read_preview(source: str) -> str | None:
    """The preview text from a file or stdin; None (after saying why) if it cannot be read."""
    try:
        if source == "-":
            return sys.stdin.read()
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        print(f"error: cannot read {source}: {reason}", file=sys.stderr)
        return None


def _from_preview(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from components.drift.preview import preview_drift  # noqa: PLC0415

    text = _read_preview(args.from_preview)
    if text is None:
        return EXIT_ERROR
    stack = args.stack[0] if args.stack else None
    drift = preview_drift(text, stack=stack, source=args.from_preview, checked_at=_now())
    return _emit(drift.report, drift.secrets, args, env)


def _emit(
    report: DriftReport,
    secrets: Collection[str],
    args: argparse.Namespace,
    env: Mapping[str, str],
) -> int:
    """Write the report (stdout, or --output and a summary line on stderr); its exit code."""
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


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the check; return the exit code (0 in sync, 2 drift, 1 error)."""
    args = _parse(argv)
    env = os.environ if environ is None else environ
    if args.from_preview is not None:
        return _from_preview(args, env)
    try:
        project = load_project(args.project_dir or Path("."), args.stacks_dir)
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
    return _emit(report, secrets, args, env)
