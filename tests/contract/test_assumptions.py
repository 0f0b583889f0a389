"""Switching an emulator assumption (apispec/assumptions.py): each probe sees the switch.

This is what a user relies on when a live report disagrees: with ``IMS_EMULATOR_ASSUME`` the
emulator answers the way the account did, the probe observes exactly that variant, and the
rule test of the documented variant then fails (a disagreement), until docs and tests follow.
"""

from __future__ import annotations

import pytest

from apispec.assumptions import ASSUME_ENV, DOCUMENTED, SWITCHES, Assumptions
from contract.probes import PROBES
from contract.restore import RestoreRecord, restore
from contract.target import CALLBACK_FIELDS
from emulator import cli
from emulator.testing import start_emulator
from tests.contract import test_ice, test_probes
from tests.contract.conftest import make_emulator_target
from tests.contract.helpers import EVENTS, URL, http, ok, stored

SWITCHED = {rule: list(switch.variants)[1] for rule, switch in SWITCHES.items()}
"""Every switch on its other variant."""
PROBE_OF = {a.switch: p.id for p in PROBES.values() for a in p.aspects if a.switch}


@pytest.fixture(scope="module")
def switched(tmp_path_factory):
    with start_emulator(tmp_path_factory.mktemp("switched") / "state.json", assume=SWITCHED) as emu:
        yield emu


@pytest.fixture
def switched_target(switched):
    switched.control.reset()
    return make_emulator_target(switched)


def test_health_reports_the_assumptions_in_force(switched, emulator_process):
    assert switched.control.health()["assume"] == SWITCHED
    assert emulator_process.control.health()["assume"] == DOCUMENTED.as_dict()


@pytest.mark.parametrize("rule", sorted(SWITCHES))
def test_probe_observes_the_switched_variant(rule, switched_target):
    probe = getattr(
        test_probes, "probe_" + PROBE_OF[rule].removeprefix("PROBE-").lower().replace("-", "_")
    )
    assert probe(switched_target)[rule] == SWITCHED[rule]


def test_rule_test_of_the_documented_variant_then_disagrees(switched_target):
    with pytest.raises(AssertionError):
        test_ice.test_ice_set_put(switched_target)


def test_get_empty_lists_every_field_as_empty_string(switched_target):
    body = ok(switched_target.get_callback()).body
    assert body == {"RequestId": body["RequestId"], **dict.fromkeys(CALLBACK_FIELDS, "")}


def test_patch_keeps_omitted_fields_and_checks_the_merged_result(switched_target):
    ok(http(switched_target, EventTypeList=EVENTS))
    ok(
        switched_target.set_callback(CallbackURL=URL + "/v2")
    )  # no CallbackType: the stored one counts
    assert stored(switched_target) == {
        "CallbackType": "HTTP",
        "CallbackURL": URL + "/v2",
        "EventTypeList": EVENTS,
    }
    ok(switched_target.set_callback(EventTypeList=""))  # keep: an empty list does not clear either
    assert stored(switched_target)["EventTypeList"] == EVENTS


def test_restore_reports_fields_a_patch_service_keeps(switched_target):
    """Under PATCH, a field the run added cannot be cleared: the restore says which."""
    queue = switched_target.create_queue()
    ok(http(switched_target, CallbackQueueName=queue))
    record = RestoreRecord(
        switched_target.region,
        switched_target.queue_prefix,
        {"CallbackType": "HTTP", "CallbackURL": URL},
    )
    outcome = restore(record, switched_target)
    assert outcome.status == "failed"
    assert outcome.detail == "fields still differ after restoring: CallbackQueueName"


def test_assumptions_are_validated():
    assert Assumptions.parse(["ICE-SET-PUT=patch, ICE-GET-EMPTY=empty", ""]).as_dict() == {
        **DOCUMENTED.as_dict(),
        "ICE-SET-PUT": "patch",
        "ICE-GET-EMPTY": "empty",
    }
    for spec, message in (
        ("ICE-SET-PUT", "RULE=VARIANT"),
        ("ICE-NOPE=x", "unknown assumption"),
        ("ICE-SET-PUT=merge", "unknown variant 'merge' for ICE-SET-PUT; one of: put, patch"),
    ):
        with pytest.raises(ValueError, match=message):
            Assumptions.parse([spec])


def test_serve_takes_the_flag_before_the_environment(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(ASSUME_ENV, "ICE-SET-PUT=bogus")
    assert cli.main(["serve", "--state", str(tmp_path / "s.json"), "--port", "1"]) == 2
    assert not (tmp_path / "s.json").exists()
    assert "unknown variant 'bogus'" in capsys.readouterr().err
    args = cli.build_parser().parse_args(["serve", "--state", "s", "--assume", "ICE-SET-PUT=patch"])
    assert args.assume == ["ICE-SET-PUT=patch"]
