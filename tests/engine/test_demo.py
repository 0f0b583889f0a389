"""`make demo` end to end: the real CLI on the repo's `local` stack, in a tmp state folder.

The receiver must listen where the stack file sends cn-hangzhou's callbacks
(127.0.0.1:18199), so runs of this test are serialised: one xdist group inside a session,
and a file lock plus a wait for the port across sessions (or a `make demo` running beside).
The emulator takes any free port (`--emulator-port 0`, passed on via IMS_CALLBACKS_EMULATOR).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.demo import DEMO_DIR_ENV
from devtools.engine import REPO_ROOT
from tests.engine.conftest import EMULATOR_SECRET

RECEIVER_PORT = 18199
HANGZHOU_KEY = "LocalDemoKey2026"
STACK_FILE = REPO_ROOT / "stacks" / "Pulumi.local.yaml"
PORT_WAIT_S = 240.0
DEMO_BUDGET_S = 180.0


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def receiver_port() -> Iterator[int]:
    """Exclusive use of the receiver port: a lock file, then wait until nobody listens."""
    lock_path = Path(tempfile.gettempdir()) / f"ims-callbacks-demo-{RECEIVER_PORT}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        deadline = time.monotonic() + PORT_WAIT_S
        while not port_free(RECEIVER_PORT):
            if time.monotonic() > deadline:
                pytest.fail(f"port {RECEIVER_PORT} stayed busy for {PORT_WAIT_S:.0f} s")
            time.sleep(1)
        yield RECEIVER_PORT


@pytest.mark.xdist_group("demo-receiver-port")
def test_make_demo_end_to_end(receiver_port: int, tmp_path: Path):
    demo_dir = tmp_path / "demo"
    stack_file_before = hashlib.sha256(STACK_FILE.read_bytes()).hexdigest()
    env = {**os.environ, DEMO_DIR_ENV: str(demo_dir)}
    env.pop("IMS_CALLBACKS_EMULATOR", None)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "devtools.demo", "--emulator-port", "0"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    elapsed = time.monotonic() - started
    print(f"\nmake demo took {elapsed:.1f} s\n{proc.stdout}")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output

    for step in range(1, 7):
        assert f"[{step}/6]" in output
    # step 3 and step 5: the receiver verified both signed events
    assert "cn-hangzhou  FileUploadComplete -> receiver: signature verified (event 1" in output
    assert "cn-hangzhou  FileUploadComplete -> receiver: signature verified (event 2" in output
    assert "MNS queue ice-callback-local-shanghai: read back 1 message, EventType " in output
    # step 2: secrets stay secret in the outputs
    assert "auth key [secret]" in output
    # step 4: drift check, and the preview's detailed diff (live => desired)
    assert "exit 2 (2 = drift): ims-callbacks drift: 1 of 3 regions drifted in local" in output
    assert re.search(
        r'cn-hangzhou  ~ url\s*: "https://old-hooks.example.com/ims" => '
        r'"http://127.0.0.1:18199/ims/callback"',
        output,
    )
    assert 'cn-hangzhou  ~ [1]: "SnapshotComplete" => "MediaConvertComplete"' in output
    assert 'cn-hangzhou  + [2]: "ProduceMediaComplete"' in output
    assert "Resources: ~ 1 to update, 11 unchanged" in output
    # step 5: repaired and clean
    assert "repaired: ~ 1 updated, 11 unchanged" in output
    assert "exit 0 (0 = in sync): ims-callbacks drift: local in sync" in output
    assert "Traceback" not in output

    # state and logs went to tmp_path; the repo's stack file is untouched
    logs = sorted((demo_dir / "logs").glob("*.log"))
    assert {p.name for p in logs} >= {"emulator.log", "receiver.log"}
    assert any(p.name.endswith("pulumi-preview.log") for p in logs)
    assert hashlib.sha256(STACK_FILE.read_bytes()).hexdigest() == stack_file_before

    # no secret anywhere: the stack's key, the emulator secret, the key generated for Singapore
    live = json.loads((demo_dir / "emulator.json").read_text())["regions"]
    generated = live["ap-southeast-1"]["callback"]["AuthKey"]
    assert live["cn-hangzhou"]["callback"]["AuthKey"] == HANGZHOU_KEY
    assert len(generated) == 24
    texts = {"terminal": output} | {p.name: p.read_text(errors="replace") for p in logs}
    for name, text in texts.items():
        for secret in (HANGZHOU_KEY, EMULATOR_SECRET, generated):
            assert secret not in text, f"a secret leaked into {name}"

    assert elapsed < DEMO_BUDGET_S, f"make demo took {elapsed:.0f} s (budget {DEMO_BUDGET_S} s)"
