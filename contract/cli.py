"""``python -m contract``: the dry run of a live run, and the restore command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from components.aliyun.credentials import describe_source, resolve_credentials
from components.aliyun.endpoints import Transport, TransportError
from components.aliyun.errors import CredentialError
from components.aliyun.retry import RetryPolicy
from components.aliyun.runtime import prepare
from contract.plan import load_plan, plan_json, render
from contract.restore import RecordError, RestoreRecord, restore_and_clear
from contract.session import (
    DEFAULT_QUEUE_PREFIX,
    DEFAULT_STATE_DIR,
    LiveConfig,
    NotReadyError,
)
from contract.target import Target


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    prepare()
    status: int = args.handler(args)
    return status
