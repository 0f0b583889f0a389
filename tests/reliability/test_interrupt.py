"""Interrupting `pulumi up` mid-run (SIGKILL of its process tree, or SIGINT) and rerunning.

The emulator delays every call (0.6 s; 1 s in the soak variants) so that the run is
mid-flight when the signal arrives; the signal is sent when the emulator sees the first
SetEventCallback (that request is then still sleeping in the emulator and is applied
*after* the client is gone). The rerun is :func:`tests.reliability.harness.recover`
(documented in docs/reliability.md): ``pulumi cancel``, ``pulumi refresh`` importing
pending queue creates and clearing the other pending creates, ``pulumi up``. No manual
edits of state or stack files.
"""

from __future__ import annotations

import signal

import pytest

from components.core.models import QueueSettings
from tests.reliability.harness import (
    QUEUE_TYPE,
    SET,
    SHORT_REGIONS,
    Scenario,
    calls_reached,
    checkpoint_records,
    interrupt_up,
    mns_client,
    record_figures,
    recover,
    wait_idle,
)

LATENCY_MS = 600
"""Per call in the `make test` variants (the soak variants use SOAK_LATENCY_MS)."""
SOAK_LATENCY_MS = 1000
EXISTING_QUEUE = "ice-callback-rel-existing"
KILL_REGIONS = ("cn-shanghai", "cn-beijing", "cn-shenzhen", "us-west-1")
"""SIGKILL variant: an existing queue, a configured key, an unsigned URL, a created queue."""
KILL_OVERRIDES = {
    "cn-shanghai": {"delivery": "mns", "queue": {"name": EXISTING_QUEUE, "existing": True}}
}


def existing_queue(name: str) -> QueueSettings:
    return QueueSettings(name, True, 345600, 30, 0, 65536, 0, False, ())


def lock_files(scenario: Scenario) -> list[str]:
    locks = scenario.stack.profile.state_dir / "backend" / ".pulumi" / "locks"
    return [str(p) for p in locks.rglob("*.json")] if locks.exists() else []


def run_interrupted(
    scenario: Scenario,
    sig: signal.Signals,
    *,
    kill_after_sets: int = 1,
    latency_ms: int = LATENCY_MS,
) -> dict[str, int]:
    """Interrupt `pulumi up` at the n-th SetEventCallback, recover, check convergence."""
    emulator = scenario.emulator
    scenario.reset_counts()
    emulator.control.add_fault("latency", latency_ms=latency_ms)
    # Created queues must be recorded in state before the kill: a queue create caught in
    # flight is the xfail test_sigkill_during_queue_create_then_rerun_converges.
    queues = sum(1 for r in scenario.regions if scenario.creates_queue(r))
    queue_done = checkpoint_records(scenario, QUEUE_TYPE, queues)
    sets_seen = calls_reached(emulator, SET, kill_after_sets)
    first = interrupt_up(
        scenario,
        sig,
        when=lambda: sets_seen() and (sig != signal.SIGKILL or queue_done()),
    )
    assert first.returncode != 0
    emulator.control.clear_faults()
    wait_idle(emulator, seconds=latency_ms / 1000 + 0.5)  # in-flight requests are applied
    left = {"locks": len(lock_files(scenario)), "pending": len(scenario.pending_operations())}
    if sig == signal.SIGINT:  # graceful: in-flight operations finish and are recorded
        assert "update canceled" in first.output
        assert left == {"locks": 0, "pending": 0}
    else:
        assert left["locks"] == 1
    steps = recover(scenario)
    sets = scenario.set_calls()
    assert sets == dict.fromkeys(scenario.regions, 1), sets  # kill run + rerun: one apply each
    scenario.assert_converged()
    findings = scenario.audit().findings()
    assert not findings, [str(f) for f in findings]
    figures = {
        "regions": len(scenario.regions),
        "interrupted_after_s": round(first.seconds, 1),
        "locks_left": left["locks"],
        "pending_left": left["pending"],
        "rerun_steps": len(steps),
        "duplicate_applies": sum(sets.values()) - len(sets),
        "converged": 1,
        "secrets_found": len(findings),
    }
    record_figures(f"interrupt {sig.name}", **figures)
    return figures


@pytest.fixture
def kill_scenario(scenario: Scenario) -> Scenario:
    mns_client(scenario.emulator, "cn-shanghai").create_queue(existing_queue(EXISTING_QUEUE))
    scenario.configure(KILL_REGIONS, **KILL_OVERRIDES)
    return scenario


def test_sigkill_mid_run_then_rerun_converges(kill_scenario: Scenario):
    figures = run_interrupted(kill_scenario, signal.SIGKILL)
    assert figures["locks_left"] == 1


def test_sigint_mid_run_then_rerun_converges(scenario: Scenario):
    scenario.configure(SHORT_REGIONS)  # created queues and a generated key: SIGINT is graceful
    run_interrupted(scenario, signal.SIGINT)


def test_sigkill_during_generated_key_set_then_rerun_converges(scenario: Scenario):
    scenario.configure(("ap-southeast-1",))
    scenario.emulator.control.add_fault("latency", latency_ms=LATENCY_MS)
    interrupt_up(scenario, signal.SIGKILL, when=calls_reached(scenario.emulator, SET))
    scenario.emulator.control.clear_faults()
    wait_idle(scenario.emulator, seconds=LATENCY_MS / 1000 + 0.5)
    recover(scenario)
    scenario.assert_converged()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "BUG (test double + runbook): a SIGKILL while CreateQueue is in flight leaves the queue "
        "created but only a pending create in state; CreateQueue is not idempotent, so the "
        "rerun fails with QueueAlreadyExist. The right step is `pulumi refresh "
        "--import-pending-creates <urn> <queue name>` (recover() does it), but "
        "tests/fakes/alicloud.py read() echoes its input, so the import silently drops the "
        "queue. Fix: the fake's read() looks the queue up (MnsClient.get_queue) and returns "
        "its attributes; document the import step in the runbook."
    ),
)
def test_sigkill_during_queue_create_then_rerun_converges(scenario: Scenario):
    scenario.configure(("cn-hangzhou",))
    scenario.emulator.control.add_fault("latency", latency_ms=LATENCY_MS)
    interrupt_up(scenario, signal.SIGKILL, when=calls_reached(scenario.emulator, "CreateQueue"))
    scenario.emulator.control.clear_faults()
    wait_idle(scenario.emulator, seconds=LATENCY_MS / 1000 + 0.5)
    recover(scenario)
    scenario.assert_converged()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "BUG: after a SIGKILL while SetEventCallback is in flight, the rerun's create() finds "
        "its own setting live (equal to desired) and records it as `previous`; destroy with "
        "onDelete: restore then re-applies the stack's own setting instead of resetting, so "
        "callbacks keep flowing after destroy. Fix: record `previous` only when the live "
        "setting differs from the desired one (an identical live setting is the stack's own "
        "interrupted apply), or reset when previous == desired."
    ),
)
def test_destroy_after_recovered_sigkill_resets_the_region(scenario: Scenario):
    scenario.configure(("cn-beijing",))
    scenario.emulator.control.add_fault("latency", latency_ms=LATENCY_MS)
    interrupt_up(scenario, signal.SIGKILL, when=calls_reached(scenario.emulator, SET))
    scenario.emulator.control.clear_faults()
    wait_idle(scenario.emulator, seconds=LATENCY_MS / 1000 + 0.5)
    recover(scenario)
    scenario.assert_converged()  # the rerun itself is fine
    scenario.stack.run("destroy", "--yes", "--skip-preview")
    live = scenario.live("cn-beijing")
    assert live.events == ()  # nothing was configured before the stack: reset, not restore
    assert not live.auth_enabled


@pytest.mark.soak
@pytest.mark.parametrize("run", range(10))
def test_soak_sigkill_at_varying_points(kill_scenario: Scenario, run: int):
    run_interrupted(
        kill_scenario, signal.SIGKILL, kill_after_sets=1 + run % 3, latency_ms=SOAK_LATENCY_MS
    )


@pytest.mark.soak
@pytest.mark.parametrize("run", range(10))
def test_soak_sigint_at_varying_points(scenario: Scenario, run: int):
    scenario.configure(SHORT_REGIONS)
    run_interrupted(
        scenario, signal.SIGINT, kill_after_sets=1 + run % 3, latency_ms=SOAK_LATENCY_MS
    )
