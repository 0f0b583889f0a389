"""``python -m contract check-account``: check, on your account, what destroy relies on.

``onDelete: restore`` puts a recorded setting back with one SetEventCallback, and ``reset``
sends the region's target with ``EventTypeList=""``. Both are correct only if two rules of
docs/api-contract.md that no document confirms hold on the real service: ICE-SET-PUT (a Set
replaces the whole setting) and ICE-SET-EVENTS-CLEAR (an empty event list clears the
subscription). This runs the two probes that answer them (contract/probes.py, the same code
the contract suite runs) in one region, inside a :class:`~contract.session.LiveSession`: the
region's setting is read and recorded first and put back at the end, also on failure or
interruption.

The dry run prints the calls in order from ``check_plan.json`` beside this module, recorded
from a run against the emulator; the contract suite re-records it and fails when the calls
change (regenerate with ``IMS_CALLBACKS_UPDATE_GOLDEN=1``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from apispec.assumptions import DOCUMENTED, SWITCHES
from components.aliyun.errors import CloudError
from components.core.regions import ice_host
from contract.probes import NOT_OBSERVABLE, probe_empty_events, probe_set_patch_or_put
from contract.restore import PARK_URL, RestoreOutcome
from contract.target import Call, Target
from contract.vocabulary import UnexpectedReplyError

CHECK_PLAN_FILE = Path(__file__).with_name("check_plan.json")
TEST_KEY = "<test key>"
"""Plan placeholder: the random AuthKey the run makes for the PUT probe."""
RECORDED = "<recorded setting>"
"""Plan placeholder: the fields the first GetEventCallback read, sent back as they were."""
PLACEHOLDERS: Mapping[str, str] = {
    TEST_KEY: "a random test key made by the run (printed as its sha256: fingerprint)",
    RECORDED: "every field step 1 read, as it was (AuthKey printed as its sha256: fingerprint;"
    f" a region that had no callback, with --allow-park: {PARK_URL}, no events, auth off)",
}
PERMISSIONS = ("ice:GetEventCallback", "ice:SetEventCallback")
"""The RAM actions the check needs (resource ``*``: ICE has no resource-level authorization)."""

EXIT_CONFIRMED = 0
EXIT_NOT_CONFIRMED = 1
EXIT_NOT_STARTED = 2
EXIT_NOT_PUT_BACK = 3
EXIT_INTERRUPTED = 130
EXIT_CODES: Mapping[int, str] = {
    EXIT_CONFIRMED: "every assumption confirmed; the setting was put back",
    EXIT_NOT_CONFIRMED: "an assumption was refuted or could not be checked; the setting was put"
    " back",
    EXIT_NOT_STARTED: "did not start (arguments, credentials, the setting could not be read, a"
    " restore record left from an interrupted run); nothing was changed",
    EXIT_NOT_PUT_BACK: "the setting could not be put back: the restore record is kept; run"
    " `python -m contract restore --file <record>`",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, SIGTERM, SIGHUP); the setting was put back",
}


@dataclass(frozen=True)
class Covered:
    """One ASSUMPTION row the check covers, the probe that answers it and who relies on it."""

    rule: str
    probe: str
    claim: str
    relied_on_by: str
    run: Callable[[Target], dict[str, str]]

    @property
    def expected(self) -> str:
        """The documented answer (the emulator's default variant)."""
        return DOCUMENTED.variant(self.rule)


COVERED: tuple[Covered, ...] = (
    Covered(
        "ICE-SET-PUT",
        "PROBE-SET-PATCH-OR-PUT",
        "a SetEventCallback replaces the whole setting: fields not sent are cleared, not kept",
        "onDelete: restore (and reset)",
        probe_set_patch_or_put,
    ),
    Covered(
        "ICE-SET-EVENTS-CLEAR",
        "PROBE-EMPTY-EVENTS",
        'a SetEventCallback with an empty event list (EventTypeList="") clears the subscription',
        "onDelete: reset",
        probe_empty_events,
    ),
)

Verdict = Literal["confirmed", "refuted", "not checked"]


@dataclass(frozen=True)
class Finding:
    """What the account answered for one covered assumption."""

    covered: Covered
    observed: str

    @property
    def verdict(self) -> Verdict:
        """``confirmed`` (the documented answer), ``refuted`` (another one), or ``not checked``
        (the probe could not observe it: a call failed)."""
        if self.observed == self.covered.expected:
            return "confirmed"
        if self.observed.startswith(NOT_OBSERVABLE):
            return "not checked"
        return "refuted"

    def line(self) -> str:
        """One line for a terminal."""
        c = self.covered
        if self.verdict == "not checked":
            how = self.observed.removeprefix(f"{NOT_OBSERVABLE}: ")
            return f"{c.rule}: not checked ({how}): {c.claim}; relied on by {c.relied_on_by}"
        hint = ""
        if self.verdict == "refuted":
            hint = f"; do not rely on {c.relied_on_by} here"
            if self.observed in SWITCHES[c.rule].variants:
                hint += f" (emulator switch: IMS_EMULATOR_ASSUME={c.rule}={self.observed})"
        return (
            f"{c.rule}: {self.verdict}: {c.claim} (observed: {self.observed}); relied on by"
            f" {c.relied_on_by}{hint}"
        )

    def to_json(self) -> dict[str, str]:
        """JSON form."""
        return {
            "rule": self.covered.rule,
            "probe": self.covered.probe,
            "claim": self.covered.claim,
            "relied_on_by": self.covered.relied_on_by,
            "expected": self.covered.expected,
            "observed": self.observed,
            "verdict": self.verdict,
        }


def run_probes(target: Target) -> list[Finding]:
    """Run each covered probe on ``target``; a failed call makes its assumption ``not checked``
    (the next probe still runs). Never raises for a service answer or a transport failure."""
    findings = []
    for covered in COVERED:
        target.step = covered.probe
        try:
            observed = covered.run(target)[covered.rule]
        except UnexpectedReplyError as exc:
            observed = f"{NOT_OBSERVABLE}: {str(exc).splitlines()[0]}"
        except CloudError as exc:
            observed = f"{NOT_OBSERVABLE}: {exc.operation} failed: {exc.code}"
        findings.append(Finding(covered, observed))
    return findings


def exit_code(findings: Iterable[Finding], outcome: RestoreOutcome | None) -> int:
    """0 all confirmed and put back; 3 not put back; 1 otherwise."""
    if outcome is None or not outcome.ok:
        return EXIT_NOT_PUT_BACK
    if all(f.verdict == "confirmed" for f in findings):
        return EXIT_CONFIRMED
    return EXIT_NOT_CONFIRMED


# --- the plan (dry run) ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedCall:
    """One call of the check, in order: its step, operation and what it sends."""

    step: str
    operation: str
    params: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        """JSON form (as in check_plan.json)."""
        return {"step": self.step, "operation": self.operation, "params": dict(self.params)}


def plan_from_journal(calls: Iterable[Call]) -> list[PlannedCall]:
    """The calls of a run, in order, with the test key and the recorded setting as placeholders."""
    planned = []
    for call in calls:
        if call.step == "restore" and call.operation == "ice:SetEventCallback":
            params: tuple[tuple[str, str], ...] = (("*", RECORDED),)
        else:
            params = tuple(
                (name, TEST_KEY if name == "AuthKey" and value else value)
                for name, value in call.params.items()
            )
        planned.append(PlannedCall(call.step, call.operation, params))
    return planned


def load_check_plan(path: Path = CHECK_PLAN_FILE) -> list[PlannedCall]:
    """The committed plan."""
    return [
        PlannedCall(e["step"], e["operation"], tuple(e["params"].items()))
        for e in json.loads(path.read_text(encoding="utf-8"))
    ]


def save_check_plan(calls: list[PlannedCall], path: Path = CHECK_PLAN_FILE) -> None:
    """Rewrite check_plan.json (used by the suite when regenerating)."""
    path.write_text(json.dumps([c.to_json() for c in calls], indent=2) + "\n", encoding="utf-8")


def _shown(name: str, value: str) -> str:
    if name == "*":
        return PLACEHOLDERS[value]
    shown = PLACEHOLDERS.get(value, f'"{value}"' if value == "" else value)
    return f"{name}={shown}"


def where(region: str, emulator: str | None) -> str:
    """The target in words."""
    if emulator:
        return f"the emulator at {emulator} (region {region})"
    return f"your account, {ice_host(region)}"


def render_call(n: int, step: str, operation: str, params: Iterable[tuple[str, str]]) -> str:
    """``  3. PROBE-SET-PATCH-OR-PUT  ice:SetEventCallback  CallbackType=HTTP ...``."""
    sent = "  ".join(_shown(name, value) for name, value in params) or "(no parameters)"
    return f"{n:4}. {step:<22}  {operation:<20}  {sent}"


def render_plan(region: str, emulator: str | None, record: Path, calls: list[PlannedCall]) -> str:
    """The human-readable dry run."""
    lines = [
        f"Dry run of check-account in {region}: nothing is called now.",
        f"Target: {where(region, emulator)}.",
        "Checks (docs/api-contract.md ASSUMPTION rows):",
        *(f"  {c.rule}: {c.claim}; relied on by {c.relied_on_by}" for c in COVERED),
        f"Before any change the setting read in step 1 is written to {record} (mode 0600; it"
        " holds the region's AuthKey) and removed once the setting is back. If step 1 fails,"
        " nothing else is called.",
        "",
        f"API calls, in order ({len(calls)}; all in {region}):",
    ]
    lines += [render_call(n, c.step, c.operation, c.params) for n, c in enumerate(calls, 1)]
    lines += [
        "The put-back (the restore steps) also runs when a probe fails or the run is"
        " interrupted; if fields the run set remain, one more SetEventCallback clears them.",
        "",
        f"RAM permissions needed: {', '.join(PERMISSIONS)} on resource * (no MNS permission).",
        "Exit codes:",
        *(f"  {code:3}  {text}" for code, text in EXIT_CODES.items()),
    ]
    return "\n".join(lines) + "\n"


def plan_json(region: str, emulator: str | None, calls: list[PlannedCall]) -> dict[str, Any]:
    """The dry run as JSON."""
    return {
        "region": region,
        "target": where(region, emulator),
        "calls": [{**c.to_json(), "region": region} for c in calls],
        "assumptions": [
            {"rule": c.rule, "claim": c.claim, "relied_on_by": c.relied_on_by} for c in COVERED
        ],
        "permissions": dict.fromkeys(PERMISSIONS, "*"),
    }
