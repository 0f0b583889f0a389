"""``python -m contract``: the dry run of a live run, the restore command, and check-account."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from components.aliyun.credentials import describe_source, resolve_credentials
from components.aliyun.endpoints import Transport, TransportError
from components.aliyun.errors import CloudError, CredentialError
from components.aliyun.retry import RetryPolicy
from components.aliyun.runtime import prepare
from contract import check
from contract.plan import load_plan, plan_json, render
from contract.restore import RecordError, RestoreRecord, restore_and_clear
from contract.session import (
    DEFAULT_QUEUE_PREFIX,
    DEFAULT_STATE_DIR,
    LiveConfig,
    LiveSession,
    NotReadyError,
)
from contract.target import Target
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET


def cmd_plan(args: argparse.Namespace) -> int:
    """Print every API call a live run would make and the RAM permissions; calls nothing."""
    try:
        config = LiveConfig.resolve(
            region=args.region,
            queue_prefix=args.queue_prefix,
            state_dir=args.state_dir,
            allow_park=True,
            need_credentials=False,
        )
    except NotReadyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    calls = load_plan()
    if args.json:
        print(json.dumps(plan_json(config.region, config.queue_prefix, calls), indent=2))
    else:
        print(render(config.region, config.queue_prefix, calls, config.record_path), end="")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a region back from a restore record (after an interrupted live run)."""
    path = Path(args.file)
    try:
        record = RestoreRecord.load(path)
        credential = resolve_credentials()
        transport = Transport(emulator=record.emulator)
    except (RecordError, CredentialError, TransportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restoring {record.region} from {path} with {describe_source()}")
    target = Target(
        "restore",
        record.region,
        credential,
        transport,
        queue_prefix=record.run_prefix,
        retry=RetryPolicy(),
        redact_errors=True,
        own_queues_only=True,
    )
    outcome = restore_and_clear(record, path, target)
    print(outcome.summary(record.region))
    if not outcome.ok:
        print(f"the restore record is kept: {path}", file=sys.stderr)
        return 1
    print(f"removed {path}")
    return 0


def _fields(fields: dict[str, str]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(fields.items()) if v)
    return shown or "no callback configured"


def cmd_check_account(args: argparse.Namespace) -> int:
    """Check, in one region of your account, the two assumptions destroy's reset and restore rely
    on (ICE-SET-PUT, ICE-SET-EVENTS-CLEAR); the region's setting is read first and put back."""
    try:
        transport = (
            Transport(emulator=args.emulator) if args.emulator else Transport.from_settings()
        )
        config = LiveConfig.resolve(
            region=args.region,
            queue_prefix=None,
            state_dir=args.state_dir,
            allow_park=args.allow_park,
            need_credentials=False,
        )
    except (TransportError, NotReadyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return check.EXIT_NOT_STARTED
    if args.dry_run:
        calls = check.load_check_plan()
        if args.json:
            print(json.dumps(check.plan_json(config.region, transport.emulator, calls), indent=2))
        else:
            print(
                check.render_plan(config.region, transport.emulator, config.record_path, calls),
                end="",
            )
        return 0
    try:
        if args.emulator:
            credential = resolve_credentials(
                {
                    "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
                    "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
                },
                {},
            )
            source = "the emulator's default key pair"
        else:
            source = describe_source()  # raises before any source is tried when there is none
            credential = resolve_credentials()
    except CredentialError as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return check.EXIT_NOT_STARTED
    return _check(args, config, LiveSession(config, credential, transport, announce=False), source)


def _check(args: argparse.Namespace, config: LiveConfig, session: LiveSession, source: str) -> int:
    region = config.region
    if not args.json:
        print(f"check-account in {region}: {check.where(region, session.transport.emulator)}")
        print(f"credentials: {source}")
    try:
        target = session.open()
    except (NotReadyError, CloudError) as exc:
        print(f"error: cannot start: {exc}", file=sys.stderr)
        return check.EXIT_NOT_STARTED
    initial = dict(target.initial.body) if target.initial else {}  # AuthKey already masked
    if not args.json:
        print(f"read the setting: {_fields(initial)}")
        print(f"  (kept in {config.record_path}, mode 0600, until it is put back)", flush=True)
    findings: list[check.Finding] = []
    interrupted = False
    try:
        findings = check.run_probes(target)
    except KeyboardInterrupt:  # the guard has put the setting back by now
        interrupted = True
    finally:
        outcome = session.close()
    status = check.exit_code(findings, outcome)
    if interrupted and status != check.EXIT_NOT_PUT_BACK:
        status = check.EXIT_INTERRUPTED
    if args.json:
        print(
            json.dumps(
                {
                    "region": region,
                    "target": check.where(region, session.transport.emulator),
                    "initial": initial,
                    "assumptions": [f.to_json() for f in findings],
                    "interrupted": interrupted,
                    "put_back": outcome.to_json() if outcome else None,
                    "calls": [c.to_dict() for c in target.journal],
                    "exit": status,
                },
                indent=2,
            )
        )
        return status
    print("calls made:")
    for n, call in enumerate(target.journal, 1):
        line = check.render_call(n, call.step, call.operation, call.params.items())
        print(f"{line}  -> {call.outcome}")
    if outcome is not None:
        print(f"put back: {outcome.status}: {outcome.detail}")
    if interrupted:
        print("interrupted: the probes did not finish")
    for finding in findings:
        print(finding.line())
    confirmed = sum(f.verdict == "confirmed" for f in findings)
    print(f"result: {confirmed} of {len(check.COVERED)} confirmed; exit {status}: ", end="")
    print(check.EXIT_CODES[status])
    if status == check.EXIT_NOT_PUT_BACK:
        print(f"restore with: python -m contract restore --file {config.record_path}")
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree."""
    parser = argparse.ArgumentParser(prog="python -m contract", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help=cmd_plan.__doc__, description=cmd_plan.__doc__)
    plan.add_argument("--region", required=True, help="the region a live run would use")
    plan.add_argument(
        "--queue-prefix", help=f"prefix of the run's queues (default {DEFAULT_QUEUE_PREFIX})"
    )
    plan.add_argument("--state-dir", help=f"restore record directory (default {DEFAULT_STATE_DIR})")
    plan.add_argument("--json", action="store_true", help="machine-readable output")
    plan.set_defaults(handler=cmd_plan)
    restore = sub.add_parser("restore", help=cmd_restore.__doc__, description=cmd_restore.__doc__)
    restore.add_argument("--file", required=True, help=".state/contract-restore-<region>.json")
    restore.set_defaults(handler=cmd_restore)
    acct = sub.add_parser(
        "check-account", help=cmd_check_account.__doc__, description=cmd_check_account.__doc__
    )
    acct.add_argument("--region", required=True, help="the one region to check, e.g. cn-shanghai")
    acct.add_argument("--dry-run", action="store_true", help="print the calls; call nothing")
    acct.add_argument(
        "--emulator",
        metavar="URL",
        help="run against a local emulator (http://127.0.0.1:PORT) with its default key pair",
    )
    acct.add_argument(
        "--allow-park",
        action="store_true",
        help="allow a region without callback (left with no events: IMS cannot delete one)",
    )
    acct.add_argument("--state-dir", help=f"restore record directory (default {DEFAULT_STATE_DIR})")
    acct.add_argument("--json", action="store_true", help="machine-readable output")
    acct.set_defaults(handler=cmd_check_account)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    prepare()
    status: int = args.handler(args)
    return status
