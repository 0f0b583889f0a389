"""Interrupting `pulumi up` mid-run (SIGKILL of its process tree, or SIGINT) and rerunning.

The emulator delays every call (0.6 s; 1 s in the soak variants) so that the run is
mid-flight when the signal arrives; the signal is sent when the emulator sees the first
SetEventCallback (that request is then still sleeping in the emulator and is applied
*after* the client is gone). The rerun is :func:`tests.reliability.harness.recover`
(documented in docs/reliability.md): ``pulumi cancel``, ``pulumi refresh
--clear-pending-creates``, ``pulumi up``. No manual edits of state or stack files.
"""

from __future__ import annotations

import signal

import pytest

from components.core.models import QueueSettings
from tests.queues import queue_settings
from tests.reliability.harness import (
    SET,
    SHORT_REGIONS,
    Scenario,
    calls_reached,
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
    return queue_settings(name, existing=True)


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
    first = interrupt_up(scenario, sig, when=calls_reached(emulator, SET, kill_after_sets))
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


def test_sigkill_during_queue_create_then_rerun_converges(scenario: Scenario):
    scenario.configure(("cn-hangzhou",))
    scenario.emulator.control.add_fault("latency", latency_ms=LATENCY_MS)
    interrupt_up(scenario, signal.SIGKILL, when=calls_reached(scenario.emulator, "CreateQueue"))
    scenario.emulator.control.clear_faults()
    wait_idle(scenario.emulator, seconds=LATENCY_MS / 1000 + 0.5)
    recover(scenario)
    scenario.assert_converged()


def test_destroy_after_recovered_sigkill_leaves_the_region_delivering(scenario: Scenario):
    """By design (docs/reliability.md): the rerun cannot tell its own interrupted apply from a
    setting made in the console to match the stack, so it records the live setting as the one
    found. ``onDelete: restore`` then keeps events flowing after destroy rather than risk
    switching off a setting somebody relied on; ``onDelete: reset`` switches it off."""
    scenario.configure(("cn-beijing",))
    scenario.emulator.control.add_fault("latency", latency_ms=LATENCY_MS)
    interrupt_up(scenario, signal.SIGKILL, when=calls_reached(scenario.emulator, SET))
    scenario.emulator.control.clear_faults()
    wait_idle(scenario.emulator, seconds=LATENCY_MS / 1000 + 0.5)
    recover(scenario)
    scenario.assert_converged()
    applied = scenario.live("cn-beijing")
    assert applied.events
    scenario.stack.run("destroy", "--yes", "--skip-preview")
    assert scenario.live("cn-beijing") == applied


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
