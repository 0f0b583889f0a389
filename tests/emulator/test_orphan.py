"""An emulator started by ``start_emulator`` does not outlive a parent that is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PARENT = """
import sys, time
from pathlib import Path
from emulator.testing import start_emulator
with start_emulator(Path(sys.argv[1])) as emu:
    print(emu.process.pid, flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited too
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_emulator_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "state.json")],
        stdout=subprocess.PIPE,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        text=True,
    )
    assert parent.stdout is not None
    emulator_pid = int(parent.stdout.readline())
    assert _alive(emulator_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(emulator_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(emulator_pid), "the emulator outlived its SIGKILLed parent"
    assert "parent process" in (tmp_path / "state.log").read_text()
