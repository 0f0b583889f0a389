"""Command line of the IMS emulator: serve it, and drive a running one through its admin API."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from apispec.assumptions import ASSUME_ENV, SWITCHES, Assumptions
from emulator.app import Emulator
from emulator.auth import (
    ACCESS_KEYS_ENV,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    Authenticator,
    parse_access_keys,
)
from emulator.control import EmulatorControl, EmulatorControlError
from emulator.faults import FAULT_KINDS
from emulator.server import EmulatorServer
from emulator.state import StateError, StateStore

DEFAULT_PORT = 18100
URL_ENV = "IMS_CALLBACKS_EMULATOR"


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _access_keys(specs: list[str]) -> dict[str, str]:
    """``--access-key`` flags, else ``IMS_EMULATOR_ACCESS_KEYS``, else the default pair."""
    if specs:
        return parse_access_keys(specs)
    env = os.environ.get(ACCESS_KEYS_ENV, "")
    return (
        parse_access_keys([env])
        if env.strip()
        else {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET}
    )


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_when_orphaned(server: EmulatorServer, every: float = 0.5) -> None:
    """Shut the server down once its parent is gone (a SIGKILLed test run, for example)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(every)
    logging.getLogger(__name__).info("parent process %d is gone: stopping", parent)
    server.shutdown()


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the emulator until SIGINT/SIGTERM; print one ready line with the URL."""
    assume = Assumptions.parse(args.assume or [os.environ.get(ASSUME_ENV, "")])
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    emulator = Emulator(
        store=StateStore(Path(args.state)),
        authenticator=Authenticator(_access_keys(args.access_key)),
        allow_external_delivery=args.allow_external_delivery,
        assume=assume,
    )
    if emulator.assume.overrides:
        logging.getLogger(__name__).warning(
            "assumptions switched from docs/api-contract.md: %s",
            ", ".join(f"{rule}={variant}" for rule, variant in emulator.assume.overrides.items()),
        )
    server = EmulatorServer(args.host, args.port, emulator)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if args.exit_with_parent:
        threading.Thread(target=_stop_when_orphaned, args=(server,), daemon=True).start()
    print(f"ims-emulator listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logging.getLogger(__name__).info("stopping")
    finally:
        server.server_close()
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Reset a running emulator (``--url``) or, offline, a state file (``--state``)."""
    if args.state:
        StateStore(Path(args.state)).reset()
    else:
        EmulatorControl(args.url).reset()
    return 0


def _key_values(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"expected FIELD=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


def cmd_console_edit(args: argparse.Namespace) -> int:
    """Change a region's callback setting out of band, as someone in the console would."""
    _print(EmulatorControl(args.url).console_edit(args.region, _key_values(args.set), args.unset))
    return 0


def cmd_fire_event(args: argparse.Namespace) -> int:
    """Fire one event; exit 0 only if it was delivered."""
    body = json.loads(args.body) if args.body else None
    result = EmulatorControl(args.url).fire_event(args.region, args.event, body)
    _print(result)
    return 0 if result["outcome"] == "delivered" else 1


def cmd_receive_messages(args: argparse.Namespace) -> int:
    """Print (and consume, unless --peek) messages of an emulated queue."""
    control = EmulatorControl(args.url)
    _print(control.receive_messages(args.region, args.queue, args.max, peek=args.peek))
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    """Print the state (AuthKey values redacted)."""
    _print(EmulatorControl(args.url).state())
    return 0


def cmd_faults(args: argparse.Namespace) -> int:
    """List, add, remove or clear fault rules."""
    control = EmulatorControl(args.url)
    if args.action == "add":
        _print(
            control.add_fault(
                args.kind,
                operation=args.operation,
                region=args.region,
                rate=args.rate,
                count=args.count,
                latency_ms=args.latency_ms,
                seed=args.seed,
            )
        )
    elif args.action == "remove":
        control.remove_fault(args.id)
    elif args.action == "clear":
        control.clear_faults()
    else:
        _print(control.faults())
    return 0


def cmd_counters(args: argparse.Namespace) -> int:
    """Print the call counters (then zero them with --reset)."""
    control = EmulatorControl(args.url)
    _print(control.counters())
    if args.reset:
        control.reset_counters()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree of every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    client = argparse.ArgumentParser(add_help=False)
    client.add_argument(
        "--url",
        default=os.environ.get(URL_ENV, f"http://127.0.0.1:{DEFAULT_PORT}"),
        help=f"running emulator (default: ${URL_ENV} or http://127.0.0.1:{DEFAULT_PORT})",
    )

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], **kwargs: Any
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=handler.__doc__, description=handler.__doc__, **kwargs)
        p.set_defaults(handler=handler)
        return p

    serve = add("serve", cmd_serve)
    serve.add_argument("--host", default="127.0.0.1", help="loopback address only")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    serve.add_argument("--state", required=True, help="JSON state file (created if missing)")
    serve.add_argument(
        "--access-key",
        action="append",
        default=[],
        metavar="ID:SECRET",
        help=f"repeatable; default ${ACCESS_KEYS_ENV} or the emulator-only default pair",
    )
    serve.add_argument(
        "--allow-external-delivery",
        action="store_true",
        help="let fire-event POST to non-loopback URLs",
    )
    serve.add_argument(
        "--assume",
        action="append",
        default=[],
        metavar="RULE=VARIANT",
        help=f"answer an open question differently (repeatable; default ${ASSUME_ENV}): "
        + "; ".join(f"{rule}={'|'.join(switch.variants)}" for rule, switch in SWITCHES.items()),
    )
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    serve.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started the emulator exits (used by tests)",
    )

    reset = add("reset", cmd_reset, parents=[client])
    reset.add_argument(
        "--state", help="reset this state file offline instead of a running emulator"
    )

    edit = add("console-edit", cmd_console_edit, parents=[client])
    edit.add_argument("--region", required=True)
    edit.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    edit.add_argument("--unset", action="append", default=[], metavar="FIELD")

    fire = add("fire-event", cmd_fire_event, parents=[client])
    fire.add_argument("--region", required=True)
    fire.add_argument("--event", required=True, help="any catalogue event, e.g. FileUploadComplete")
    fire.add_argument("--body", help="JSON object merged into the generated MessageBody")

    receive = add("receive-messages", cmd_receive_messages, parents=[client])
    receive.add_argument("--region", required=True)
    receive.add_argument("--queue", required=True)
    receive.add_argument("--max", type=int, default=16)
    receive.add_argument("--peek", action="store_true", help="leave the messages in the queue")

    add("state", cmd_state, parents=[client])

    faults = add("faults", cmd_faults, parents=[client])
    faults_sub = faults.add_subparsers(dest="action", required=True)
    faults_sub.add_parser("list", help="show the rules")
    faults_add = faults_sub.add_parser("add", help="add a rule")
    faults_add.add_argument("--kind", required=True, choices=FAULT_KINDS)
    faults_add.add_argument("--operation", help="e.g. SetEventCallback (default: every operation)")
    faults_add.add_argument("--region", help="default: every region")
    trigger = faults_add.add_mutually_exclusive_group()
    trigger.add_argument("--rate", type=float, help="probability 0..1 per matching call")
    trigger.add_argument("--count", type=int, help="the next N matching calls")
    faults_add.add_argument("--latency-ms", type=int, default=0, help="delay (kind latency)")
    faults_add.add_argument("--seed", type=int, default=0, help="RNG seed for --rate")
    faults_remove = faults_sub.add_parser("remove", help="remove one rule")
    faults_remove.add_argument("id")
    faults_sub.add_parser("clear", help="remove every rule")

    counters = add("counters", cmd_counters, parents=[client])
    counters.add_argument("--reset", action="store_true", help="zero the counters after printing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (EmulatorControlError, StateError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
