"""``make demo``: the ``local`` stack end to end against the emulator, no cloud account needed.

1. start the IMS/MNS emulator (fresh state) and a callback receiver that checks signatures;
2. ``pulumi up`` of the real project, stack ``local`` (stacks/Pulumi.local.yaml), file backend;
3. fire a signed event at cn-hangzhou (HTTP) and one at cn-shanghai (MNS queue);
4. a console edit in cn-hangzhou, shown by the drift check and ``pulumi preview --diff``;
5. ``pulumi up`` repairs it: the drift check is clean and events are verified again;
6. where to look next.

Every command's output goes to ``<demo dir>/logs/``; the terminal gets a short summary.
Secrets are never printed or logged: outputs stay ``[secret]`` and the auth key read from the
stack goes only to the in-process receiver.

Options (``python -m devtools.demo --help``): ``--state-dir`` / ``$IMS_CALLBACKS_DEMO_DIR``
(default ``.state/demo``), ``--emulator-port`` / ``$IMS_CALLBACKS_DEMO_EMULATOR_PORT``
(default 18100, 0 = any free port; the stack is pointed at it through
``$IMS_CALLBACKS_EMULATOR``), ``--destroy`` (tear the demo down). The receiver listens where
the stack file sends cn-hangzhou's callbacks (``http://127.0.0.1:18199/ims/callback``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from devtools.demo_session import (
    CONSOLE_EDIT,
    DEFAULT_DEMO_DIR,
    DEFAULT_EMULATOR_PORT,
    DEMO_DIR_ENV,
    DRIFT_COMMAND,
    EMULATOR_PORT_ENV,
    EVENT,
    HTTP_REGION,
    MNS_REGION,
    STACK,
    DemoError,
    DemoPaths,
    Session,
    drift_lines,
    show,
    summary_lines,
)
from devtools.engine import REPO_ROOT
from devtools.receiver import CallbackReceiver, ReceiverError
from emulator.control import EmulatorControlError


def start(s: Session) -> None:
    """1. Emulator (fresh state), stack created, receiver with the stack's auth key."""
    s.step("Start a local IMS emulator and a callback receiver", "start")
    receiver_url = s.receiver_url()
    s.check_ports(receiver_url)
    s.paths.clean()
    s.paths.logs.mkdir(parents=True, exist_ok=True)
    stack = s.make_stack(s.find_cli())
    emu = s.start_emulator(reset=True)
    s.detail(
        f"emulator  {emu.base_url}  (IMS + MNS APIs), fresh state in {show(s.paths.emulator_state)}"
    )
    s.pulumi("stack-select", "stack", "select", "--create", stack.name, stack_flag=False)
    key = s.pulumi(
        "config-get-auth-key",
        "config",
        "get",
        "--path",
        f"callbacks.regions.{HTTP_REGION}.auth.key",
        secret_stdout=True,
    ).stdout.strip()
    if not key:
        raise DemoError(f"the stack file has no auth key for {HTTP_REGION}")
    s.secrets.append(key)
    receiver_log = (s.paths.logs / "receiver.log").open("a", encoding="utf-8")

    def log_line(line: str) -> None:
        receiver_log.write(f"{time.strftime('%H:%M:%S')} {s.redact(line)}\n")
        receiver_log.flush()

    try:
        s.receiver = CallbackReceiver(receiver_url, key, log=log_line).start()
    except ReceiverError as exc:
        raise DemoError(str(exc), s.paths.logs / "receiver.log") from None
    s.detail(f"receiver  {receiver_url}  checks X-ICE-SIGNATURE with {HTTP_REGION}'s auth key")
    s.detail("          (read with `pulumi config get`; the key itself is never shown)")


def deploy(s: Session) -> None:
    """2. pulumi up; what was created per region."""
    s.step(
        f"Deploy: pulumi up, stack `{STACK}` (stacks/Pulumi.{STACK}.yaml), "
        f"state in {show(s.paths.pulumi_state)}",
        "pulumi up",
    )
    started = time.monotonic()
    up = s.pulumi("pulumi-up", "up", "--yes", "--skip-preview")
    took = time.monotonic() - started
    s.detail(f"{', '.join(summary_lines(up.stdout)) or 'done'} in {took:.0f} s:")
    outputs = json.loads(s.pulumi("stack-output", "stack", "output", "--json").stdout)
    regions: dict[str, dict[str, Any]] = outputs.get("regions") or {}
    width = max((len(r) for r in regions), default=0)
    for region, out in sorted(regions.items()):
        events = len(out.get("events") or [])
        if out.get("delivery") == "MNS":
            what = f"MNS   queue {out.get('queueName')} (+ RAM grant: IMS may send to it)"
        else:
            auth = f", auth key {out['authKey']}" if out.get("authKey") else ""
            what = f"HTTP  {out.get('url')}{auth}"
        s.detail(f"{region:<{width}}  {what}, {events} events")


def fire_events(s: Session) -> None:
    """3. A signed HTTP event verified by the receiver; an MNS event read back."""
    s.step(f"Fire a test {EVENT} event through the emulator", "events")
    s.fire_http()
    queue = str(s.emu.control.state()["regions"][MNS_REGION]["callback"]["CallbackQueueName"])
    result = s.emu.control.fire_event(MNS_REGION, EVENT)
    if result["outcome"] != "delivered":
        raise DemoError(f"{MNS_REGION}: event not delivered ({result['outcome']})", s.emu.log_file)
    messages = s.emu.control.receive_messages(MNS_REGION, queue)
    types = [json.loads(m["MessageBody"]).get("EventType") for m in messages]
    if EVENT not in types:
        raise DemoError(
            f"{MNS_REGION}: queue {queue} holds no {EVENT} message: {types}",
            s.emu.log_file,
        )
    s.detail(
        f"{MNS_REGION}  {EVENT} -> MNS queue {queue}: read back {len(messages)} "
        f"message, EventType {types[0]}"
    )


def edit_in_console(s: Session) -> None:
    """4. A console edit, seen by the drift check and by pulumi preview."""
    s.step(f"Someone edits {HTTP_REGION} in the console (URL and events)", "drift")
    s.emu.control.console_edit(HTTP_REGION, CONSOLE_EDIT)
    s.detail("console edit: " + ", ".join(f"{k}={v}" for k, v in CONSOLE_EDIT.items()))
    code, summary = s.drift_check("drift-check", ok=(2,))
    s.detail(f"drift check   `python {' '.join(DRIFT_COMMAND)}`")
    s.detail(f"              exit {code} (2 = drift): {summary}")
    preview = s.pulumi("pulumi-preview", "preview", "--diff")
    lines = drift_lines(preview.stdout)
    if not lines:
        raise DemoError("pulumi preview --diff showed no drift lines", s.last_log)
    s.detail("pulumi preview --diff (live => desired):")
    for region, line in lines:
        s.detail(f"  {region}  {line}")
    s.detail(f"  Resources: {', '.join(summary_lines(preview.stdout))}")


def repair(s: Session) -> None:
    """5. pulumi up puts the stack's setting back; clean drift check; verified again."""
    s.step("Repair: pulumi up puts the stack's setting back", "repair")
    started = time.monotonic()
    up = s.pulumi("pulumi-up-repair", "up", "--yes", "--skip-preview")
    took = time.monotonic() - started
    s.detail(f"repaired: {', '.join(summary_lines(up.stdout))} in {took:.0f} s")
    code, summary = s.drift_check("drift-check-after-repair", ok=(0,))
    s.detail(f"drift check   exit {code} (0 = in sync): {summary}")
    s.fire_http()


def look_next(s: Session) -> None:
    """6. Pointers."""
    s.step("Where to look next", "next")
    docs = ["docs/drift.md (drift check)"]
    if (REPO_ROOT / "docs" / "pipelines.md").exists():
        docs.append("docs/pipelines.md (CI/CD workflows)")
    docs.append("docs/emulator.md")
    s.detail(f"stack file  stacks/Pulumi.{STACK}.yaml (the regions you just deployed)")
    s.detail('README      "Configuring a stack", "Drift review", "Running against a real account"')
    s.detail("docs        " + ", ".join(docs))
    s.detail(
        f"state       {show(s.paths.emulator_state)} (emulator), "
        f"{show(s.paths.pulumi_state)} (Pulumi file backend)"
    )
    s.detail(f"logs        {show(s.paths.logs)}/ (every command, emulator, receiver)")
    s.detail("tear down   nothing keeps running, and `make demo` starts clean each time;")
    where = "" if s.paths.root == DEFAULT_DEMO_DIR else f" --state-dir {s.paths.root}"
    s.detail(
        f"            to remove it now: `.venv/bin/python -m devtools.demo --destroy{where}` "
        "(pulumi destroy, then deletes the demo's state)"
    )


STEPS = (start, deploy, fire_events, edit_in_console, repair, look_next)
"""The six steps, in order."""


def run_all(s: Session) -> int:
    """The whole demo; 0 on success."""
    started = time.monotonic()
    s.say(
        f"ims-callbacks demo: stack `{STACK}` against a local IMS emulator "
        "(no cloud account needed)"
    )
    s.say(f"Full output of every command: {show(s.paths.logs)}/")
    try:
        for step in STEPS:
            step(s)
    except DemoError as err:
        return s.fail(err)
    except EmulatorControlError as exc:
        return s.fail(DemoError(str(exc), s.paths.logs / "emulator.log"))
    except KeyboardInterrupt:
        s.say(f"Interrupted in step {s.step_no} ({s.step_name}); stopped the emulator.")
        return 130
    except Exception as exc:  # any failure: the step and a log, not a traceback
        log = s.paths.logs / "demo-error.log"
        with contextlib.suppress(OSError):
            s.paths.logs.mkdir(parents=True, exist_ok=True)
            log.write_text(s.redact(traceback.format_exc()), encoding="utf-8")
        return s.fail(DemoError(f"unexpected {type(exc).__name__}: {exc}", log))
    finally:
        s.stop()
    s.say(f"Done in {time.monotonic() - started:.0f} s.")
    return 0


def destroy(s: Session) -> int:
    """``--destroy``: pulumi destroy against the saved emulator state, then remove it all."""
    s.say(f"Tearing down the demo in {show(s.paths.root)}")
    s.step_no, s.step_name = 1, "destroy"
    try:
        if s.paths.pulumi_state.exists() and s.paths.emulator_state.exists():
            s.check_ports(None)
            s.paths.logs.mkdir(parents=True, exist_ok=True)
            s.make_stack(s.find_cli())
            s.start_emulator(reset=False)
            up = s.pulumi("pulumi-destroy", "destroy", "--yes", "--skip-preview")
            s.detail(f"pulumi destroy: {', '.join(summary_lines(up.stdout)) or 'done'}")
    except DemoError as err:
        return s.fail(err)
    except KeyboardInterrupt:
        s.say("Interrupted; the demo's state is left as it was.")
        return 130
    finally:
        s.stop()
    s.paths.clean()
    s.detail(f"removed the demo's state and logs from {show(s.paths.root)}")
    return 0


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return port


def _exit_on_signal(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options (defaults from the environment)."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.demo",
        description="The local stack end to end against the IMS emulator (`make demo`).",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get(DEMO_DIR_ENV) or DEFAULT_DEMO_DIR),
        help=f"where state and logs go (default: ${DEMO_DIR_ENV} or .state/demo)",
    )
    parser.add_argument(
        "--emulator-port",
        type=_port,
        default=_port(os.environ.get(EMULATOR_PORT_ENV) or str(DEFAULT_EMULATOR_PORT)),
        help=f"emulator port (default: ${EMULATOR_PORT_ENV} or 18100; 0 = any free port)",
    )
    parser.add_argument(
        "--destroy", action="store_true", help="destroy the demo stack and remove its state"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    """Run the demo (or tear it down); the exit status is 0 only if everything worked."""
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # stop the emulator and receiver on the way out
        signal.signal(sig, _exit_on_signal)
    session = Session(DemoPaths(args.state_dir.resolve()), args.emulator_port, out, len(STEPS))
    return destroy(session) if args.destroy else run_all(session)


if __name__ == "__main__":
    raise SystemExit(main())
