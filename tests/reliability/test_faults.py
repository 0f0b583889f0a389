"""`pulumi up` of a multi-region stack under injected faults converges without manual steps.

Every run: fresh stack, faults injected as one seeded rule per (region, operation), one
``pulumi up``; then, with the faults cleared, a ``preview --expect-no-changes``, live settings
compared with the desired ones, nothing pending in state, and a secret scan of everything
the run produced. SetEventCallback is counted per region and must equal one (the apply that
is needed) plus the Set attempts that failed by injection. Figures: docs/reliability.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import pytest

from emulator.faults import FaultKind
from tests.reliability.harness import (
    ALL_REGIONS,
    READ_TIMEOUT_MS,
    SET,
    SHORT_REGIONS,
    Scenario,
    inject_rate,
    record_figures,
)

RATE = 0.3
KINDS: dict[str, tuple[FaultKind, ...]] = {
    "throttling": ("throttle",),
    "5xx": ("internal", "unavailable"),
    "dropped": ("drop",),
    "mixed": ("throttle", "internal", "unavailable", "drop"),
}


def injected_errors(scenario: Scenario) -> int:
    return sum(r["fired"] for r in scenario.emulator.control.faults() if r["kind"] != "latency")


def fault_run(
    scenario: Scenario,
    name: str,
    *,
    regions: Sequence[str],
    kinds: Sequence[FaultKind] = (),
    seed: int = 0,
    latency_ms: int = 0,
    timeout_region: str | None = None,
    allow_rerun: bool = False,
) -> dict[str, int]:
    """Configure, inject, ``pulumi up``, check Set counts, convergence and secrets.

    ``allow_rerun`` (soak): if the first ``up`` fails because one call exhausted its retries
    (``ims:retryAttempts``, 10 by default; at 30% that is 0.3**10 per call), a second ``up``
    runs with the faults still on, as a CI retry would; the figures count it.
    """
    scenario.configure(regions)
    scenario.reset_counts()
    if kinds:
        inject_rate(scenario.emulator, kinds, regions, rate=RATE, seed=seed)
    if latency_ms:
        scenario.emulator.control.add_fault("latency", latency_ms=latency_ms)
    if timeout_region:  # one Set that is applied but answered after the client gave up
        scenario.emulator.control.add_fault(
            "latency",
            operation=SET,
            region=timeout_region,
            latency_ms=READ_TIMEOUT_MS + 1500,
            count=1,
        )
    started = time.monotonic()
    first = scenario.up(check=False)
    reruns = 0
    if first.returncode != 0:
        output = first.stdout + first.stderr
        assert allow_rerun, output[-4000:]
        assert re.search(r"failed: \S+ \((HTTP \d+, )?(RequestId \S+, )?\d+ attempts", output)
        reruns = 1
        scenario.up()
    seconds = time.monotonic() - started
    sets, failed = scenario.set_calls(), scenario.failed_set_attempts()
    injected = injected_errors(scenario)
    duplicates = {r: sets[r] - 1 - failed[r] for r in regions}
    assert duplicates == dict.fromkeys(regions, 0), (sets, failed)
    scenario.assert_converged()
    findings = scenario.audit().findings()
    assert not findings, [str(f) for f in findings]
    figures = {
        "regions": len(regions),
        "seed": seed,
        "up_seconds": round(seconds, 1),
        "injected_errors": injected,
        "set_calls": sum(sets.values()),
        "failed_set_attempts": sum(failed.values()),
        "duplicate_applies": sum(duplicates.values()),
        "converged": 1,
        "reruns": reruns,
        "secrets_found": len(findings),
    }
    record_figures(name, **figures)
    return figures


@pytest.mark.parametrize("fault", ["throttling", "5xx"])
def test_up_converges_with_30_percent_faults(scenario: Scenario, fault: str):
    figures = fault_run(
        scenario, f"{fault} 30%", regions=SHORT_REGIONS, kinds=KINDS[fault], seed=11
    )
    assert figures["injected_errors"] > 0  # the seed must actually exercise the retries


def test_up_converges_with_high_latency_and_a_timed_out_set(scenario: Scenario):
    figures = fault_run(
        scenario,
        "latency 200 ms + 1 Set timeout",
        regions=SHORT_REGIONS,
        latency_ms=200,
        timeout_region="ap-southeast-1",  # the region whose key is generated in create()
    )
    assert figures["failed_set_attempts"] == 1  # the timed-out Set, applied and retried


def test_dropped_connections_then_only_changed_regions_are_set_again(scenario: Scenario):
    """30% dropped connections converge; then a second `up` under mixed faults that changes
    one region calls Set there only (retries aside)."""
    figures = fault_run(
        scenario, "dropped 30%", regions=SHORT_REGIONS, kinds=KINDS["dropped"], seed=11
    )
    assert figures["injected_errors"] > 0
    scenario.reset_counts()
    changed = {**scenario.config["ims-callbacks:callbacks"]["regions"]["cn-hangzhou"]}
    changed["events"] = ["FileUploadComplete", "SnapshotComplete"]
    scenario.configure(SHORT_REGIONS, **{"cn-hangzhou": changed})
    inject_rate(scenario.emulator, KINDS["mixed"], SHORT_REGIONS, rate=RATE, seed=6)
    scenario.up()
    sets, failed = scenario.set_calls(), scenario.failed_set_attempts()
    expected = {r: (1 if r == "cn-hangzhou" else 0) + failed[r] for r in SHORT_REGIONS}
    assert sets == expected
    assert all(failed[r] == 0 for r in SHORT_REGIONS if r != "cn-hangzhou")
    scenario.assert_converged()
    assert not scenario.audit().findings()


@pytest.mark.soak
@pytest.mark.parametrize("run", range(20))
@pytest.mark.parametrize("fault", ["throttling", "5xx", "dropped", "mixed"])
def test_soak_faults(scenario: Scenario, fault: str, run: int):
    fault_run(
        scenario,
        f"soak {fault} 30%",
        regions=ALL_REGIONS,
        kinds=KINDS[fault],
        seed=1000 + run,
        allow_rerun=True,
    )


@pytest.mark.soak
@pytest.mark.parametrize("run", range(20))
def test_soak_latency(scenario: Scenario, run: int):
    regions = ALL_REGIONS
    fault_run(
        scenario,
        "soak latency 1 s + 1 Set timeout",
        regions=regions,
        latency_ms=1000,
        timeout_region=regions[run % len(regions)],
    )
