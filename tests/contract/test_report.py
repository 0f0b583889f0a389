"""The report: observations next to assumptions, switch hints, merging of xdist parts."""

from __future__ import annotations

import json

import pytest

from contract.probes import NOT_OBSERVABLE
from contract.report import ContractReport, write_report


def live_report(run="run-1"):
    report = ContractReport(run, {"live": {"kind": "real account", "region": "cn-shanghai"}})
    report.add_observation("PROBE-SET-PATCH-OR-PUT", "live", {"ICE-SET-PUT": "patch"}, "note")
    report.add_observation(
        "PROBE-MNS-BASE64", "live", {"DLV-MNS-BODY": f"{NOT_OBSERVABLE}: no events"}
    )
    report.add_observation("PROBE-SET-VALIDATION", "live", {"ICE-SET-QUEUE-PREFIX": "accept"})
    report.add_rule("ICE-SET-PUT", "live", "disagrees", "AssertionError: assert {...} == {...}")
    report.add_rule("ICE-SET-RESPONSE", "live", "passed")
    return report


def aspect(data, probe, name):
    entry = next(p for p in data["probes"] if p["id"] == probe)
    return next(a for a in entry["aspects"] if a["aspect"] == name)


def test_disagreements_carry_the_switch_or_say_there_is_none():
    data = live_report().to_json()
    put = aspect(data, "PROBE-SET-PATCH-OR-PUT", "ICE-SET-PUT")
    assert put == {
        "aspect": "ICE-SET-PUT",
        "emulator_assumes": "put",
        "observed": {"live": "patch"},
        "agrees": False,
        "switch": "IMS_EMULATOR_ASSUME=ICE-SET-PUT=patch",
    }
    prefix = aspect(data, "PROBE-SET-VALIDATION", "ICE-SET-QUEUE-PREFIX")
    assert (prefix["agrees"], prefix["switch"]) == (
        False,
        "no switch: change emulator/ and docs/api-contract.md",
    )
    base64 = aspect(data, "PROBE-MNS-BASE64", "DLV-MNS-BODY")
    assert (base64["agrees"], base64["switch"]) == (None, "")


def test_markdown_shows_assumption_observation_hint_and_disagreeing_rules():
    markdown = live_report().to_markdown()
    assert (
        "| PROBE-SET-PATCH-OR-PUT | 2 | ICE-SET-PUT | put | patch | **no** |"
        " `IMS_EMULATOR_ASSUME=ICE-SET-PUT=patch` |"
    ) in markdown
    assert "- live: 1 disagrees, 1 passed" in markdown
    assert "| ICE-SET-PUT | live | disagrees | AssertionError: assert {...} == {...} |" in markdown


def test_unknown_probes_and_aspects_are_refused():
    report = ContractReport("run")
    with pytest.raises(ValueError, match="unknown probe"):
        report.add_observation("PROBE-NOPE", "live", {})
    with pytest.raises(ValueError, match="unknown aspects"):
        report.add_observation("PROBE-MNS-BASE64", "live", {"Base64": "yes"})


def test_parts_of_one_run_merge_and_a_new_run_replaces(tmp_path):
    first = ContractReport("run-1", {"emulator": {"kind": "emulator"}})
    first.add_observation("PROBE-MNS-BASE64", "emulator", {"DLV-MNS-BODY": "raw JSON"})
    first.add_rule("GW-VERSION", "emulator", "passed")
    write_report(first, tmp_path)
    json_path, md_path = write_report(live_report("run-1"), tmp_path)
    data = json.loads(json_path.read_text())
    assert set(data["targets"]) == {"emulator", "live"}
    assert set(data["rules"]) == {"GW-VERSION", "ICE-SET-PUT", "ICE-SET-RESPONSE"}
    assert aspect(data, "PROBE-MNS-BASE64", "DLV-MNS-BODY")["observed"] == {
        "emulator": "raw JSON",
        "live": f"{NOT_OBSERVABLE}: no events",
    }
    assert "| Probe | § | Aspect | Emulator assumes | emulator | live |" in md_path.read_text()
    write_report(live_report("run-2"), tmp_path)
    assert set(json.loads(json_path.read_text())["targets"]) == {"live"}
