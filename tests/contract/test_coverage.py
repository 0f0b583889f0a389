"""The suite covers docs/api-contract.md exactly: one test per rule and per §8 probe."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from apispec.assumptions import SWITCHES
from contract.probes import PROBES
from tests.contract.conftest import CONTRACT_DOC, contract_ids, function_name

HERE = Path(__file__).parent


def contract_tests():
    """test function name -> (module, takes ``target``) over the rule and probe modules."""
    found = {}
    for path in sorted(HERE.glob("test_*.py")):
        module = importlib.import_module(f"tests.contract.{path.stem}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and function.__module__ == module.__name__:
                params = inspect.signature(function).parameters
                found.setdefault(name, []).append((path.stem, "target" in params))
    return found


def test_every_rule_and_probe_has_exactly_one_test():
    ids = contract_ids()
    assert len(ids) == len(set(ids)), "duplicate ids in docs/api-contract.md"
    tests = contract_tests()
    missing = [i for i in ids if function_name(i) not in tests]
    assert missing == []
    assert [i for i in ids if len(tests[function_name(i)]) != 1] == []


def test_probes_are_the_open_questions_and_run_on_both_targets():
    ids = [i for i in contract_ids() if i.startswith("PROBE-")]
    assert ids == list(PROBES)
    assert [p.question for p in PROBES.values()] == list(range(1, 10))
    tests = contract_tests()
    assert all(tests[function_name(i)][0][1] for i in ids)


def test_rules_checkable_on_a_real_account_run_on_both_targets():
    """EMULATOR-status rules, delivery and faults cannot run live; every other rule does,
    unless it needs two regions or a hand-crafted request (the test's docstring or the
    rule's module says why)."""
    doc = CONTRACT_DOC.read_text(encoding="utf-8")
    emulator_only = {
        "GW-UNKNOWN-REGION",  # the real host would not resolve
        "AUTH-ACS3-SIGNED",  # hand-crafted requests: the live run sends SDK requests only
        "AUTH-TIME-SKEW",
        "AUTH-NONCE-REPLAY",
        "AUTH-STS",  # any token accepted: an emulator simplification
        "ICE-REGION-SCOPE",  # two regions
        "MNS-REGION-SCOPE",
    }
    tests = contract_tests()
    for contract_id in contract_ids():
        row = next(line for line in doc.splitlines() if line.startswith(f"| {contract_id} |"))
        status = row.split(" | ")[2]
        live_capable = not (
            status.startswith("EMULATOR")
            or contract_id.startswith(("DLV-", "FLT-"))
            or contract_id in emulator_only
        )
        assert tests[function_name(contract_id)][0][1] == live_capable, contract_id


def test_every_switch_is_documented_and_probed():
    doc = CONTRACT_DOC.read_text(encoding="utf-8")
    probed = {a.switch for p in PROBES.values() for a in p.aspects if a.switch}
    assert probed == set(SWITCHES)
    for rule, switch in SWITCHES.items():
        variants = "\\|".join(switch.variants)
        assert f"`{rule}={variants}" in doc, rule
