"""Run the live contract session in a subprocess, rehearsed against a local emulator.

The subprocess is exactly what a user runs (``pytest -m live tests/contract --live-region``)
with credentials from the standard chain; ``IMS_CALLBACKS_EMULATOR`` sends it to the emulator.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import REPO_ROOT, EmulatorProcess
from tests.contract.conftest import make_emulator_target

REGION = "cn-shanghai"
ORIGINAL_KEY = "OrigKey4Contract"
ORIGINAL = {
    "CallbackType": "HTTP",
    "CallbackURL": "https://original.example/ims?tenant=a",
    "EventTypeList": "FileUploadComplete,ProduceMediaComplete",
    "AuthSwitch": "on",
    "AuthKey": ORIGINAL_KEY,
}
_CLEARED_PREFIXES = ("ALIBABA_CLOUD_", "ALICLOUD_", "PYTEST_", "IMS_")


def clean_env(tmp_path: Path, emu: EmulatorProcess | None = None) -> dict[str, str]:
    """No ambient credentials, profiles, xdist or contract settings; emulator creds if ``emu``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED_PREFIXES)}
    env |= {
        "HOME": str(tmp_path / "home"),
        "IMS_CONTRACT_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    if emu is not None:
        env |= {
            "IMS_CALLBACKS_EMULATOR": emu.base_url,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        }
    return env


def live_pytest(*args: str) -> list[str]:
    """The command of a live contract run."""
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "live", *args]


def run(
    cmd: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run in the repository, output captured as text (stderr merged)."""
    return subprocess.run(
        cmd,
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def preset(emu: EmulatorProcess) -> dict[str, str]:
    """Configure the region as a user's account would be; return it as Get shows it (masked)."""
    emu.control.reset()
    target = make_emulator_target(emu, REGION)
    assert target.set_callback(**ORIGINAL).ok
    return current(emu)


def current(emu: EmulatorProcess) -> dict[str, str]:
    """The region's callback now (AuthKey as fingerprint)."""
    return make_emulator_target(emu, REGION).get_callback().callback()


def queues(emu: EmulatorProcess) -> list[str]:
    """Queue names of the region."""
    return sorted(emu.control.state()["regions"].get(REGION, {}).get("queues", {}))
