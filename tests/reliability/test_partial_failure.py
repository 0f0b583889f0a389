"""A region that fails hard (Forbidden.RAM, 100%) must not stop or roll back the others.

Pulumi stops scheduling new steps after the first failed resource unless ``pulumi up
--continue-on-error`` is given, so that flag is the documented way to apply every region
that can be applied (docs/reliability.md). Without it nothing is rolled back either: what
was applied stays applied and recorded, and a rerun after the fault clears converges.
"""

from __future__ import annotations

import re

import pytest

from tests.reliability.harness import SET, SHORT_REGIONS, Scenario, record_figures

BAD = "cn-beijing"  # http with a configured key: the error must not echo it


def assert_error_names_region_and_code(output: str, operation: str) -> None:
    assert re.search(rf"ice:{operation} in {BAD} failed: Forbidden\.RAM \(HTTP 403", output)


def rerun_converges(scenario: Scenario) -> dict[str, int]:
    scenario.reset_counts()  # the fault clears
    scenario.up()
    sets = scenario.set_calls()
    scenario.assert_converged()
    return sets


def test_forbidden_set_in_one_region_others_applied_with_continue_on_error(
    scenario: Scenario,
):
    scenario.configure(SHORT_REGIONS)
    scenario.reset_counts()
    scenario.emulator.control.add_fault("forbidden", operation=SET, region=BAD)
    failed = scenario.up("--continue-on-error", check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert_error_names_region_and_code(output, "SetEventCallback")
    others = set(SHORT_REGIONS) - {BAD}
    assert scenario.set_calls() == dict.fromkeys(SHORT_REGIONS, 1)  # Forbidden: no retry
    assert scenario.recorded() == (others, 0)
    assert set(scenario.mismatches()) == {BAD}  # the others are live as desired
    sets = rerun_converges(scenario)
    assert sets == {r: int(r == BAD) for r in SHORT_REGIONS}
    findings = scenario.audit({"failed up output": output}).findings()
    assert not findings, [str(f) for f in findings]
    record_figures(
        "forbidden Set, --continue-on-error",
        regions=len(SHORT_REGIONS),
        others_applied=len(others),
        rerun_sets=sum(sets.values()),
        converged=1,
        secrets_found=len(findings),
    )


@pytest.mark.soak
def test_forbidden_set_without_continue_on_error_rolls_nothing_back(scenario: Scenario):
    scenario.configure(SHORT_REGIONS)
    scenario.reset_counts()
    scenario.emulator.control.add_fault("forbidden", operation=SET, region=BAD)
    failed = scenario.up(check=False)
    assert failed.returncode != 0
    assert_error_names_region_and_code(failed.stdout + failed.stderr, "SetEventCallback")
    recorded, pending = scenario.recorded()
    assert pending == 0
    assert BAD not in recorded
    # whatever was applied is recorded and stays live; nothing is rolled back
    assert set(scenario.mismatches()) == set(SHORT_REGIONS) - recorded
    sets = rerun_converges(scenario)
    assert sets == {r: int(r not in recorded) for r in SHORT_REGIONS}
    record_figures(
        "forbidden Set, plain up",
        regions=len(SHORT_REGIONS),
        others_applied=len(recorded),
        converged=1,
    )


def test_forbidden_on_every_call_of_one_region_others_applied(scenario: Scenario):
    scenario.configure(SHORT_REGIONS)
    scenario.reset_counts()
    scenario.emulator.control.add_fault("forbidden", region=BAD)
    failed = scenario.up("--continue-on-error", check=False)
    assert failed.returncode != 0
    assert_error_names_region_and_code(failed.stdout + failed.stderr, "GetEventCallback")
    assert scenario.recorded() == (set(SHORT_REGIONS) - {BAD}, 0)
