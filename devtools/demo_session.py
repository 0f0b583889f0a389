"""The demo's session: its paths, terminal and logs, the commands it runs, the emulator and
the receiver. The six steps themselves are in :mod:`devtools.demo`."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import yaml

from devtools.engine import FAKES_BIN, INSTALL_SCRIPT, REPO_ROOT, EngineProfile, pulumi_bin_dir
from devtools.receiver import CallbackReceiver
from devtools.stack import CliStack
from emulator.auth import DEFAULT_ACCESS_KEY_SECRET
from emulator.control import EmulatorControlError
from emulator.testing import EmulatorProcess, EmulatorStartError, start_emulator

STACK = "local"
PASSPHRASE = "ims-callbacks-local"  # noqa: S105 - the local stack's documented passphrase
DEMO_DIR_ENV = "IMS_CALLBACKS_DEMO_DIR"
EMULATOR_PORT_ENV = "IMS_CALLBACKS_DEMO_EMULATOR_PORT"
EMULATOR_URL_ENV = "IMS_CALLBACKS_EMULATOR"
DEFAULT_EMULATOR_PORT = 18100
DEFAULT_DEMO_DIR = REPO_ROOT / ".state" / "demo"
HTTP_REGION = "cn-hangzhou"
MNS_REGION = "cn-shanghai"
EVENT = "FileUploadComplete"
CONSOLE_EDIT = {
    "CallbackURL": "https://old-hooks.example.com/ims",
    "EventTypeList": "FileUploadComplete,SnapshotComplete",
}
COMMAND_TIMEOUT_S = 150.0
GRACE_S = 10.0
INDENT = "      "
DRIFT_COMMAND = ("-m", "components.drift", "--stack", STACK, "--format", "table")
HEADER = re.compile(r"^\s*[~+\-]?\s*[\w:/.-]+: \((\w+)\)\s*$")
RESOURCE_ID = re.compile(r"\[id=([^\]]+)\]")
EXCEPTION_LINE = re.compile(r"^[\w.]+(?:Error|Exception): ")
MAX_HINT = 200


class DemoError(Exception):
    """A step failed: what happened and which log to read."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.log = log


@dataclass(frozen=True)
class DemoPaths:
    """Everything the demo writes lives below ``root``."""

    root: Path

    @property
    def emulator_state(self) -> Path:
        """The emulator's state file."""
        return self.root / "emulator.json"

    @property
    def pulumi_state(self) -> Path:
        """The engine profile's folder (file backend and ``PULUMI_HOME``)."""
        return self.root / "pulumi"

    @property
    def logs(self) -> Path:
        """One log per command, plus the emulator's and the receiver's."""
        return self.root / "logs"

    def clean(self) -> None:
        """Remove what an earlier run left (only the demo's own files, never ``root`` itself)."""
        for path in (self.pulumi_state, self.logs):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.root.glob("emulator.json*"):
            path.unlink(missing_ok=True)


def show(path: Path) -> str:
    """A path as a newcomer types it: relative to the repo when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def port_free(host: str, port: int) -> bool:
    """True if a server could listen on ``host:port`` now (as the emulator's server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def port_taken_message(port: int, what: str, culprit: str, alternative: str = "") -> str:
    """Which port, why the demo needs it, how to free it."""
    return (
        f"port {port} on 127.0.0.1 is already in use; the {what} needs it.\n"
        f"Probably {culprit} is still running. Find the process with\n"
        f"  lsof -nP -iTCP:{port} -sTCP:LISTEN    (or: ss -ltnp 'sport = :{port}')\n"
        f"stop it and run `make demo` again{alternative}."
    )


@contextlib.contextmanager
def stderr_to(log: Path) -> Iterator[None]:
    """Send this process' fd 2 (and its children's) to ``log`` for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    with log.open("ab") as target:
        os.dup2(target.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def stop_process_group(child: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGTERM the child's process group (the CLI cancels and stops its plugins), then SIGKILL
    whatever is left; return the output read so far."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        stdout, stderr = child.communicate(timeout=GRACE_S)
    except subprocess.TimeoutExpired:
        stdout, stderr = "", ""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    if child.poll() is None:
        child.wait()
    return stdout or "", stderr or ""


def summary_lines(stdout: str) -> list[str]:
    """The lines of the ``Resources:`` block of a pulumi up/preview/destroy output."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "Resources:":
            block = []
            for item in lines[i + 1 :]:
                if not item.strip():
                    break
                block.append(item.strip())
            return block
    return []


def drift_lines(stdout: str) -> list[tuple[str, str]]:
    """``(resource id, line)`` for each line of the detailed diff of an update step.

    After the engine's refresh, the stored state is the live setting, so these lines read
    ``~ url: "<live>" => "<desired>"`` (list items as ``~ [0]: ...`` / ``+ [1]: ...``).
    """
    found: list[tuple[str, str]] = []
    current, in_update = "?", False
    for line in stdout.splitlines():
        stripped = line.strip()
        if HEADER.search(line):
            in_update = line.rstrip().endswith("(update)")
            continue
        if match := RESOURCE_ID.search(line):
            current = match.group(1)
            continue
        if in_update and stripped[:1] in "~+-" and ":" in stripped and stripped[-1] != "[":
            found.append((current, stripped))
    return found


def error_lines(output: str, limit: int = 3) -> list[str]:
    """The few lines that say what went wrong (Pulumi diagnostics, exception messages)."""
    text = output.split("\nDiagnostics:", 1)[-1]
    found: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        generic = line.startswith(("error: Traceback", "error: update failed")) or (
            "Resource monitor has terminated" in line
        )
        if (line.startswith("error:") and not generic) or EXCEPTION_LINE.match(line):
            short = line if len(line) <= MAX_HINT else line[: MAX_HINT - 3] + "..."
            if short not in found:
                found.append(short)
    return found[:limit]


def first_line(text: str) -> str:
    """The first non-empty line."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@dataclass
class Session:
    """One run of the demo; ``out`` is the terminal."""

    paths: DemoPaths
    emulator_port: int
    out: IO[str] = sys.stdout
    total_steps: int = 0
    secrets: list[str] = field(default_factory=lambda: [DEFAULT_ACCESS_KEY_SECRET])
    step_no: int = 0
    step_name: str = ""
    log_no: int = 0
    last_log: Path | None = None
    stack: CliStack | None = None
    emulator: EmulatorProcess | None = None
    receiver: CallbackReceiver | None = None
    events_sent: int = 0

    # -- output ---------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """Last line of defence: no known secret reaches the terminal or a log."""
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "[secret]")
        return text

    def say(self, text: str = "") -> None:
        """Print a line to the terminal."""
        print(self.redact(text), file=self.out, flush=True)

    def detail(self, text: str) -> None:
        """An indented line under the current step."""
        self.say(f"{INDENT}{text}")

    def step(self, title: str, name: str) -> None:
        """Start step N."""
        self.step_no += 1
        self.step_name = name
        self.say(f"[{self.step_no}/{self.total_steps}] {title}")

    def log_path(self, name: str) -> Path:
        """A new numbered log file for one command."""
        self.log_no += 1
        self.last_log = self.paths.logs / f"{self.log_no:02d}-{name}.log"
        return self.last_log

    # -- commands -------------------------------------------------------------------------
    def run(
        self,
        name: str,
        cmd: Sequence[str],
        env: dict[str, str],
        *,
        ok: Sequence[int] = (0,),
        secret_stdout: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run one command in the repo root; its output goes to a log file, never the terminal."""
        log = self.log_path(name)
        shown = " ".join(cmd)
        try:
            # its own process group: on Ctrl-C or a timeout the CLI *and* its plugins stop
            child = subprocess.Popen(
                list(cmd),
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        except OSError as exc:
            raise DemoError(f"cannot run `{shown}`: {exc}", log) from None
        try:
            stdout, stderr = child.communicate(timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            stdout, stderr = stop_process_group(child)
            self.write_log(log, shown, stdout, stderr, None, secret_stdout=secret_stdout)
            raise DemoError(f"`{shown}` did not finish in {COMMAND_TIMEOUT_S:.0f} s", log) from None
        except BaseException:
            stop_process_group(child)
            raise
        proc = subprocess.CompletedProcess(list(cmd), child.returncode, stdout, stderr)
        self.write_log(
            log, shown, proc.stdout, proc.stderr, proc.returncode, secret_stdout=secret_stdout
        )
        if proc.returncode not in ok:
            hint = "".join(f"\n  {line}" for line in error_lines(proc.stdout + proc.stderr))
            raise DemoError(f"`{shown}` exited {proc.returncode}{hint}", log)
        return proc

    def write_log(
        self,
        log: Path,
        shown: str,
        stdout: str,
        stderr: str,
        code: int | None,
        *,
        secret_stdout: bool,
    ) -> None:
        """The command, its stdout and stderr (redacted) and its exit code."""
        body = "(stdout withheld: it is a secret)\n" if secret_stdout else stdout
        text = f"$ {shown}\n(cwd: {REPO_ROOT})\n--- stdout ---\n{body}\n--- stderr ---\n{stderr}\n"
        text += f"--- exit code: {code if code is not None else 'timed out'} ---\n"
        log.write_text(self.redact(text), encoding="utf-8")

    def pulumi(
        self,
        name: str,
        *args: str,
        ok: Sequence[int] = (0,),
        secret_stdout: bool = False,
        stack_flag: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """``pulumi <args> --stack local --non-interactive`` with the offline engine profile."""
        stack = self.cli_stack
        env = stack.profile.env()
        env.update(stack.env_overrides)
        target = ["--stack", stack.name] if stack_flag else []
        cmd = ["pulumi", *args, "--color", "never", *target, "--non-interactive"]
        return self.run(name, cmd, env, ok=ok, secret_stdout=secret_stdout)

    def drift_check(self, name: str, ok: Sequence[int]) -> tuple[int, str]:
        """``python -m components.drift --stack local --format table``: exit code, summary."""
        stack = self.cli_stack
        env = stack.profile.env()
        env.update(stack.env_overrides)
        env["NO_COLOR"] = "1"
        env["COLUMNS"] = "160"
        proc = self.run(name, [sys.executable, *DRIFT_COMMAND], env, ok=ok)
        return proc.returncode, first_line(proc.stdout)

    @property
    def cli_stack(self) -> CliStack:
        """The ``local`` stack of the repo's project."""
        if self.stack is None:
            raise DemoError("internal: the stack is not set up")
        return self.stack

    @property
    def emu(self) -> EmulatorProcess:
        """The running emulator."""
        if self.emulator is None:
            raise DemoError("internal: the emulator is not running")
        return self.emulator

    # -- pieces ---------------------------------------------------------------------------
    def check_ports(self, receiver_url: str | None) -> None:
        """Fail early, naming the port, if something else listens where the demo must."""
        if self.emulator_port and not port_free("127.0.0.1", self.emulator_port):
            raise DemoError(
                port_taken_message(
                    self.emulator_port,
                    "emulator (the local stack file points at it)",
                    "an earlier `make demo` or `make emulator`",
                    f";\nor let the demo use any free port: `{EMULATOR_PORT_ENV}=0 make demo`",
                )
            )
        if receiver_url:
            parts = urlsplit(receiver_url)
            port = parts.port or 80
            if not port_free(parts.hostname or "127.0.0.1", port):
                raise DemoError(
                    port_taken_message(
                        port,
                        f"callback receiver ({HTTP_REGION}'s url in the stack file)",
                        "an earlier `make demo`",
                    )
                )

    def find_cli(self) -> Path:
        """The Pulumi CLI (``scripts/install-pulumi.sh``); its progress goes to a log."""
        log = self.log_path("pulumi-cli")
        timer = threading.Timer(
            3.0,
            lambda: self.detail(
                f"building the Pulumi CLI (first run only, 5-30 min); progress: {show(log)}"
            ),
        )
        timer.start()
        try:
            with stderr_to(log):
                return pulumi_bin_dir()
        except (subprocess.CalledProcessError, OSError, IndexError):
            raise DemoError(
                f"no usable Pulumi CLI ({show(INSTALL_SCRIPT)} failed); run `make pulumi`", log
            ) from None
        finally:
            timer.cancel()

    def make_stack(self, bin_dir: Path) -> CliStack:
        """The repo's project, stack ``local``, with the offline engine profile."""
        emulator_url = f"http://127.0.0.1:{self.emulator_port}" if self.emulator_port else ""
        profile = EngineProfile(
            bin_dir=bin_dir,
            state_dir=self.paths.pulumi_state.resolve(),
            passphrase=PASSPHRASE,
            extra_path=(FAKES_BIN,),  # the alicloud test double, for the RAM grant
        )
        overrides = {EMULATOR_URL_ENV: emulator_url} if emulator_url else {}
        self.stack = CliStack(REPO_ROOT, STACK, profile, env_overrides=overrides)
        return self.stack

    def receiver_url(self) -> str:
        """cn-hangzhou's callback URL in the stack file."""
        stack_file = REPO_ROOT / "stacks" / f"Pulumi.{STACK}.yaml"
        try:
            config = yaml.safe_load(stack_file.read_text())["config"]
            url = config["ims-callbacks:callbacks"]["regions"][HTTP_REGION]["url"]
        except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
            raise DemoError(
                f"cannot read {HTTP_REGION}'s url from {show(stack_file)}: {exc}"
            ) from None
        return str(url)

    def start_emulator(self, *, reset: bool) -> EmulatorProcess:
        """The emulator on the chosen port (its log in the logs folder)."""
        log = self.paths.logs / "emulator.log"
        try:
            self.emulator = start_emulator(
                self.paths.emulator_state, port=self.emulator_port or None, log_file=log
            )
        except (EmulatorStartError, EmulatorControlError, OSError) as exc:
            raise DemoError(f"the emulator did not start: {exc}", log) from None
        self.emulator_port = self.emulator.port
        if self.stack is not None:
            self.stack.env_overrides[EMULATOR_URL_ENV] = self.emulator.base_url
        if reset:
            self.emulator.control.reset()
        return self.emulator

    def fire_http(self) -> None:
        """Fire at cn-hangzhou; the receiver must get it and verify the signature."""
        receiver = self.receiver
        if receiver is None:
            raise DemoError("internal: the receiver is not running")
        before = len(receiver.records)
        result = self.emu.control.fire_event(HTTP_REGION, EVENT)
        log = self.paths.logs / "receiver.log"
        got = receiver.records[before:]
        if got and not any(r.verified for r in got):
            raise DemoError(f"{HTTP_REGION}: signature NOT verified ({got[-1].reason})", log)
        if result["outcome"] != "delivered" or not got:
            attempts = (
                ", ".join(str(a["status"] or a["error"]) for a in result["attempts"])
                or "no attempt"
            )
            raise DemoError(
                f"{HTTP_REGION}: event not delivered to the receiver "
                f"({result['outcome']}: {attempts})",
                log,
            )
        self.events_sent += 1
        self.detail(
            f"{HTTP_REGION}  {EVENT} -> receiver: signature verified (event {self.events_sent})"
        )

    def stop(self) -> None:
        """Stop the receiver and the emulator (the state stays for inspection)."""
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def fail(self, err: DemoError) -> int:
        """Report a failed step and where to look."""
        where = f"step {self.step_no} ({self.step_name})" if self.step_no else "setup"
        first, *rest = err.message.splitlines() or [""]
        self.say(f"FAILED in {where}: {first}")
        for line in rest:
            self.detail(line)
        if err.log is not None:
            self.detail(f"log: {show(err.log)}")
        return 1
