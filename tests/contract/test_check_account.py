"""``python -m contract check-account``: the dry run, and real runs against the emulator.

The emulator implements the documented rules, so both assumptions come out confirmed; with
the rules switched (apispec/assumptions.py) they come out refuted; a fault makes the run report
the failure; an interruption stops it; in every case the original setting is put back.

After an intended change of the check's calls, regenerate contract/check_plan.json:

    IMS_CALLBACKS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/contract/test_check_account.py
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

from components.core.fingerprint import fingerprint
from contract.check import (
    CHECK_PLAN_FILE,
    COVERED,
    RECORDED,
    TEST_KEY,
    load_check_plan,
    plan_from_journal,
    save_check_plan,
)
from contract.cli import main
from contract.target import Call
from emulator.testing import REPO_ROOT, start_emulator
from tests.contract.live_run import ORIGINAL_KEY, REGION, clean_env, current, preset, run

UPDATE_ENV = "IMS_CALLBACKS_UPDATE_GOLDEN"
RECORD = f"contract-restore-{REGION}.json"
COVERED_RULES = ["ICE-SET-PUT", "ICE-SET-EVENTS-CLEAR"]


def check_cmd(emu, *args: str) -> list[str]:
    """The command a user runs, against ``emu``."""
    return [
        sys.executable,
        "-m",
        "contract",
        "check-account",
        "--region",
        REGION,
        "--emulator",
        emu.base_url,
        *args,
    ]


def check(emu, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the check against ``emu`` (restore record under ``tmp_path/state``)."""
    return run(check_cmd(emu, *args), clean_env(tmp_path))


def operations(calls) -> list[str]:
    return [f"{c['step']} {c['operation']}" for c in calls]


def test_dry_run_lists_the_calls_in_order_ending_with_the_put_back(
    capsys, no_network, monkeypatch, tmp_path
):
    for name in list(os.environ):
        if name.startswith(("ALIBABA_CLOUD_", "ALICLOUD_", "IMS_")):
            monkeypatch.delenv(name)  # no credentials needed, and none read
    assert main(["check-account", "--region", REGION, "--dry-run", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    calls = data["calls"]
    assert [c["operation"] for c in calls[:1]] == ["ice:GetEventCallback"]
    assert calls[0]["step"] == "record"
    assert operations(calls[-2:]) == [
        "restore ice:SetEventCallback",
        "restore ice:GetEventCallback",
    ]
    assert calls[-2]["params"] == {"*": RECORDED}
    probes = [c["step"] for c in calls[1:-2]]
    assert probes == sorted(probes, key=[c.probe for c in COVERED].index)  # PUT first, then CLEAR
    assert set(probes) == {c.probe for c in COVERED}
    assert {c["operation"] for c in calls} == {"ice:GetEventCallback", "ice:SetEventCallback"}
    assert {c["region"] for c in calls} == {REGION}
    keys = [c["params"]["AuthKey"] for c in calls if "AuthKey" in c["params"]]
    assert keys == [TEST_KEY]
    assert [a["rule"] for a in data["assumptions"]] == COVERED_RULES
    assert data["permissions"] == {"ice:GetEventCallback": "*", "ice:SetEventCallback": "*"}
    assert data["target"] == f"your account, ice.{REGION}.aliyuncs.com"

    assert main(["check-account", "--region", REGION, "--dry-run"]) == 0
    text = capsys.readouterr().out
    numbered = [line for line in text.splitlines() if re.match(r" *\d+\. ", line)]
    assert len(numbered) == len(calls) == len(load_check_plan())
    assert "record" in numbered[0]
    assert "ice:GetEventCallback" in numbered[0]
    assert "restore" in numbered[-2]
    assert "every field step 1 read" in numbered[-2]
    assert "ice:SetEventCallback" in numbered[-2]
    assert "a random test key" in text
    assert "ice:GetEventCallback, ice:SetEventCallback on resource *" in text
    assert "nothing is called now" in text


def test_emulator_run_confirms_both_assumptions_puts_back_and_matches_the_plan(
    tmp_path, emulator_process
):
    emu = emulator_process
    original = preset(emu)
    emu.control.reset_counters()
    result = check(emu, tmp_path, "--json")
    received = emu.control.counters()["total"]
    assert result.returncode == 0, result.stdout
    data = json.loads(result.stdout)
    assert {a["rule"]: a["verdict"] for a in data["assumptions"]} == dict.fromkeys(
        COVERED_RULES, "confirmed"
    )
    assert data["put_back"]["status"] == "restored"
    assert current(emu) == original
    assert data["initial"] == original
    assert not (tmp_path / "state" / RECORD).exists()
    assert ORIGINAL_KEY not in result.stdout
    assert fingerprint(ORIGINAL_KEY) in result.stdout
    calls = [Call(**c) for c in data["calls"]]
    assert len(calls) == received  # the journal holds every request the emulator received
    assert {c.region for c in calls} == {REGION}
    observed = plan_from_journal(calls)
    if os.environ.get(UPDATE_ENV):
        save_check_plan(observed)
    assert observed == load_check_plan(), (
        f"the check's calls changed: {UPDATE_ENV}=1 to update {CHECK_PLAN_FILE}"
    )


def test_switched_emulator_refutes_both_and_still_puts_back(tmp_path):
    with start_emulator(
        tmp_path / "emulator.json", assume={"ICE-SET-PUT": "patch", "ICE-SET-EVENTS-CLEAR": "keep"}
    ) as emu:
        original = preset(emu)
        result = check(emu, tmp_path)
        assert result.returncode == 1, result.stdout
        assert current(emu) == original
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if ": refuted: " in line] == COVERED_RULES
    assert "IMS_EMULATOR_ASSUME=ICE-SET-PUT=patch" in result.stdout
    assert "put back: restored" in result.stdout
    assert lines[-1].startswith("result: 0 of 2 confirmed; exit 1")
    assert ORIGINAL_KEY not in result.stdout
    assert not (tmp_path / "state" / RECORD).exists()


def test_a_fault_is_reported_and_the_original_setting_still_put_back(tmp_path, emulator_process):
    emu = emulator_process
    original = preset(emu)
    emu.control.add_fault("forbidden", operation="SetEventCallback", count=1)  # the first probe
    result = check(emu, tmp_path)
    assert result.returncode == 1, result.stdout
    assert current(emu) == original
    assert not (tmp_path / "state" / RECORD).exists()
    lines = result.stdout.splitlines()
    (put,) = [line for line in lines if line.startswith("ICE-SET-PUT:")]
    assert put.startswith("ICE-SET-PUT: not checked (expected success, got 403 Forbidden.RAM")
    assert any(line.startswith("ICE-SET-EVENTS-CLEAR: confirmed:") for line in lines)
    assert "put back: restored" in result.stdout
    assert ORIGINAL_KEY not in result.stdout


def test_a_failed_put_back_keeps_the_record_and_the_restore_command_finishes(
    tmp_path, emulator_process
):
    emu = emulator_process
    original = preset(emu)
    emu.control.add_fault("forbidden", operation="SetEventCallback")  # every Set, the put-back too
    result = check(emu, tmp_path)
    assert result.returncode == 3, result.stdout
    record = tmp_path / "state" / RECORD
    assert record.exists()
    assert "put back: failed: SetEventCallback answered 403 Forbidden.RAM" in result.stdout
    assert f"python -m contract restore --file {record}" in result.stdout
    emu.control.clear_faults()
    env = clean_env(tmp_path, emu)
    restored = run([sys.executable, "-m", "contract", "restore", "--file", str(record)], env)
    assert restored.returncode == 0, restored.stdout
    assert not record.exists()
    assert current(emu) == original
    assert ORIGINAL_KEY not in result.stdout + restored.stdout


def test_refuses_to_start_when_the_setting_cannot_be_read(tmp_path, emulator_process):
    emu = emulator_process
    original = preset(emu)
    emu.control.add_fault("forbidden", operation="GetEventCallback")
    emu.control.reset_counters()
    result = check(emu, tmp_path)
    assert result.returncode == 2, result.stdout
    assert "GetEventCallback answered 403 Forbidden.RAM; nothing was changed" in result.stdout
    assert "SetEventCallback" not in emu.control.counters()["regions"].get(REGION, {})
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").iterdir())
    emu.control.clear_faults()
    assert current(emu) == original


def test_without_credentials_it_refuses_and_changes_nothing(tmp_path):
    env = clean_env(tmp_path)
    result = run(
        [sys.executable, "-m", "contract", "check-account", "--region", REGION], env, timeout=60
    )
    assert result.returncode == 2, result.stdout
    assert "nothing was changed" in result.stdout
    assert not (tmp_path / "state").exists()


def test_an_interrupted_run_puts_the_setting_back(tmp_path, emulator_process):
    emu = emulator_process
    original = preset(emu)
    # The record step's Get and the first probe's Get are slow; the two Sets between them
    # change the setting, then the run is interrupted while it waits for the second Get.
    emu.control.add_fault("latency", operation="GetEventCallback", count=2, latency_ms=3000)
    process = subprocess.Popen(
        check_cmd(emu),
        env=clean_env(tmp_path),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not any(rule["fired"] == 2 for rule in emu.control.faults()):
            assert time.monotonic() < deadline, "the check never reached the second Get"
            time.sleep(0.05)
        assert current(emu) != original
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, output
    assert "put back: restored" in output
    assert "interrupted: the probes did not finish" in output
    assert current(emu) == original
    assert not (tmp_path / "state" / RECORD).exists()
    assert ORIGINAL_KEY not in output
