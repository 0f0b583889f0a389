"""Test harness: run ``python -m emulator serve`` as a subprocess on a free loopback port.

with start_emulator(tmp_path / "emulator.json") as emu:
    emu.control.reset()
    config = Config(..., endpoint="ice.cn-beijing.aliyuncs.com", protocol="HTTP",
                    http_proxy=emu.base_url)
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from apispec.assumptions import ASSUME_ENV
from emulator.auth import ACCESS_KEYS_ENV, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.control import EmulatorControl

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_RE = re.compile(r"listening on (http://\S+)")
STOP_TIMEOUT_S = 10.0


class EmulatorStartError(RuntimeError):
    """The emulator process exited or did not report readiness in time."""


@dataclass
class EmulatorProcess:
    """A running emulator subprocess; a context manager that stops it on exit."""

    process: subprocess.Popen[bytes]
    base_url: str
    state_file: Path
    log_file: Path
    access_keys: dict[str, str]
    control: EmulatorControl

    @property
    def port(self) -> int:
        """The listening port."""
        return int(self.base_url.rsplit(":", 1)[1])

    def stop(self) -> None:
        """Terminate (SIGTERM), escalating to kill after a grace period."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _first_line(stream: IO[bytes], timeout: float) -> str:
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout).decode("utf-8", "replace")
    except queue.Empty:
        return ""


def start_emulator(
    state_file: Path,
    port: int | None = None,
    access_keys: Mapping[str, str] | None = None,
    *,
    allow_external_delivery: bool = False,
    log_file: Path | None = None,
    log_level: str = "INFO",
    startup_timeout: float = 15.0,
    assume: Mapping[str, str] | None = None,
) -> EmulatorProcess:
    """Start the emulator (``port`` None: a free port) and wait until it serves requests.

    Access keys (default: the emulator-only default pair) are passed in the environment,
    never on the command line. Its log (stderr) goes to ``log_file`` (default: next to
    ``state_file``, suffix ``.log``). ``assume`` switches open-question rules
    (apispec/assumptions.py); without it the documented rules apply, whatever
    ``$IMS_EMULATOR_ASSUME`` says.
    """
    keys = dict(access_keys or {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
    log_path = log_file or state_file.with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "emulator",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port or 0),
        "--state",
        str(state_file),
        "--log-level",
        log_level,
        "--exit-with-parent",
    ]
    if allow_external_delivery:
        cmd.append("--allow-external-delivery")
    env = {
        **os.environ,
        ACCESS_KEYS_ENV: ",".join(f"{k}:{v}" for k, v in keys.items()),
        ASSUME_ENV: ",".join(f"{rule}={variant}" for rule, variant in (assume or {}).items()),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, env=env, cwd=REPO_ROOT)
    assert process.stdout is not None  # noqa: S101 - stdout=PIPE above
    line = _first_line(process.stdout, startup_timeout)
    match = READY_RE.search(line)
    if match is None:
        process.kill()
        process.wait()
        raise EmulatorStartError(f"emulator did not start (see {log_path}): {line.strip()!r}")
    process.stdout.close()
    base_url = match.group(1)
    control = EmulatorControl(base_url)
    control.health()
    return EmulatorProcess(process, base_url, state_file, log_path, keys, control)
