"""The live target end to end, rehearsed against an emulator in a subprocess.

Covers: the clean skip without credentials, a whole live run (every rule agrees, every probe
observed, the region restored, only generated queues touched, the dry-run plan exact), and
runs interrupted by SIGTERM (restored in-process) or SIGKILL (restored by the command).

After an intended change of the live run's calls, regenerate contract/plan.json:

    IMS_CALLBACKS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/contract/test_live_run.py
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from contract.plan import PLAN_FILE, from_journal, load_plan, save_plan
from contract.probes import PROBES
from contract.target import Call
from emulator.testing import REPO_ROOT, start_emulator
from tests.contract.conftest import contract_ids, live_selected
from tests.contract.live_run import (
    ORIGINAL_KEY,
    REGION,
    clean_env,
    current,
    live_pytest,
    preset,
    queues,
    run,
)

UPDATE_ENV = "IMS_CALLBACKS_UPDATE_GOLDEN"
RECORD = f"contract-restore-{REGION}.json"


@pytest.mark.parametrize(
    ("markexpr", "selected"),
    [
        ("", False),
        ("live", True),
        ("live or not live", True),
        ("live and not soak", True),
        ("not live", False),
        ("not engine", False),
        ("engine", False),
    ],
)
def test_the_live_target_is_opt_in(markexpr, selected):
    assert live_selected(markexpr) is selected


def test_live_target_skips_with_one_reason_without_credentials(tmp_path):
    result = run(live_pytest("tests/contract"), clean_env(tmp_path))
    assert result.returncode == 0, result.stdout
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1, result.stdout
    assert "live contract run needs credentials" in skipped[0]
    assert "missing: credentials, region" in skipped[0]
    assert " passed" not in result.stdout
    assert not (tmp_path / "state" / RECORD).exists()


def test_rehearsed_live_run_agrees_restores_and_matches_the_plan(tmp_path):
    with start_emulator(tmp_path / "emulator.json") as emu:
        original = preset(emu)
        emu.control.reset_counters()
        result = run(
            live_pytest("tests/contract", "--live-region", REGION), clean_env(tmp_path, emu)
        )
        assert result.returncode == 0, result.stdout[-4000:]
        assert current(emu) == original
        assert queues(emu) == []
        total_calls = emu.control.counters()["total"]
    assert f"contract restore of {REGION}: restored" in result.stdout
    state = tmp_path / "state"
    assert not (state / RECORD).exists()
    report = json.loads((state / "contract-report.json").read_text())
    live_rules = {rule: r["live"]["outcome"] for rule, r in report["rules"].items() if "live" in r}
    assert set(live_rules.values()) == {"passed"}
    assert len(live_rules) >= 50
    assert {
        p["id"] for p in report["probes"] if all("live" in a["observed"] for a in p["aspects"])
    } == set(PROBES)
    assert report["restore"]["status"] == "restored"
    calls = [Call(**c) for c in report["calls"]]
    known = [c for c in calls if c.operation != "ice:ContractNoSuchAction"]  # uncounted
    assert len(known) == total_calls  # the journal holds every request the emulator received
    generated = [
        c.params["QueueName"] for c in calls if c.operation == "mns-open:CreateQueue" and c.params
    ]
    prefix = report["targets"]["live"]["queue prefix"]
    assert all(name.startswith(prefix) for name in generated if name)
    for text in (result.stdout, *(p.read_text() for p in state.iterdir() if p.is_file())):
        assert ORIGINAL_KEY not in text
    observed = from_journal(calls, REGION)
    if os.environ.get(UPDATE_ENV):
        save_plan(observed)
    assert observed == load_plan(), (
        f"the live run's calls changed: {UPDATE_ENV}=1 to update {PLAN_FILE}"
    )
    assert {c.step for c in calls} - {"record", "restore"} <= set(contract_ids())


def wait_for_fault(emu, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(rule["fired"] for rule in emu.control.faults()):
            return
        time.sleep(0.05)
    raise AssertionError("the live run never reached the blocked call")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_interrupted_live_run_is_restored(tmp_path, sig):
    record = tmp_path / "state" / RECORD
    with start_emulator(tmp_path / "emulator.json") as emu:
        original = preset(emu)
        # The run changes the callback, creates a queue, then blocks in SetQueueAttributes.
        emu.control.add_fault("latency", operation="SetQueueAttributes", latency_ms=60_000)
        cmd = live_pytest(
            "tests/contract/test_ice.py::test_ice_set_put[live]",
            "tests/contract/test_mns.py::test_mns_set_patch[live]",
            "--live-region",
            REGION,
        )
        env = clean_env(tmp_path, emu)
        process = subprocess.Popen(
            cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            wait_for_fault(emu)
            assert current(emu) != original
            assert len(queues(emu)) == 1
            assert record.stat().st_mode & 0o777 == 0o600
            assert json.loads(record.read_text())["queues"] == queues(emu)
            process.send_signal(sig)
            output, _ = process.communicate(timeout=60)
        finally:
            process.kill()
        if sig == signal.SIGTERM:
            assert process.returncode == 2  # pytest: interrupted
            assert f"contract restore of {REGION}: restored" in output
            assert not record.exists()
        else:
            assert process.returncode == -signal.SIGKILL
            assert record.exists()
            assert current(emu) != original
            restored = run(
                [sys.executable, "-m", "contract", "restore", "--file", str(record)], env
            )
            assert restored.returncode == 0, restored.stdout
            assert f"contract restore of {REGION}: restored" in restored.stdout
            assert "deleted 1 queue(s)" in restored.stdout
            assert not record.exists()
            output += restored.stdout
        assert current(emu) == original
        assert queues(emu) == []
    assert ORIGINAL_KEY not in output
