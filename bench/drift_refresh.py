"""3. The drift check against the refreshing ``pulumi preview`` on the same drifted stack.

The mixed stack is deployed, then changed out of band through the emulator's console edit
(a queue name, a URL plus the stack-set auth key, an event list). Pulumi.yaml sets
``options: refresh: always``, so a plain ``pulumi preview`` first reads every resource
through the ``ims`` provider's ``read`` and shows drift as a detailed diff
(``~ url: "<live>" => "<desired>"``); ``pulumi preview --refresh`` is the same command, and
``pulumi preview --refresh=false`` is the preview that reads nothing and so sees no drift.

With the scaling latency on every call, each repetition times the drift check (``--format
json``), ``pulumi preview --json`` and ``pulumi preview --refresh=false --json``, in
alternating order. The reports are parsed: the drift check's drifted fields, and the
``detailedDiff`` keys of each EventCallback ``update`` step of the previews (region from the
step's ``newState.inputs.region``). The drift check and the refreshing preview must name
exactly the (region, field) pairs the console edits changed; the non-refreshing preview
must name none. The difference of the two previews' wall times is what the refresh (a
provider plugin start plus one parallel round of reads) adds to a preview.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bench.harness import RunResult, Scenario, Workspace, median, ratio
from bench.stacks import SECRET_KEY, drift_edits, mixed_regions, mixed_stack, secret_region

CALLBACK_TYPE = "ims:index:EventCallback"
Pairs = set[tuple[str, str]]
KINDS: dict[str, list[str]] = {
    "drift": [],
    "preview": ["preview", "--json"],
    "noRefresh": ["preview", "--json", "--refresh=false"],
}
"""What each kind runs (the drift check has its own command line, Scenario.drift_cmd)."""
_PROPERTY = re.compile(r"^[^.\[]+")


def setup(ws: Workspace, n: int) -> Scenario:
    """The mixed stack of ``n`` regions, deployed, then edited in the console."""
    scenario = ws.scenario("drift", mixed_regions(n))
    scenario.deploy(mixed_stack(n), {f"callbacks.regions.{secret_region()}.auth.key": SECRET_KEY})
    for edit in drift_edits(n):
        scenario.emulator.control.console_edit(edit.region, edit.set_fields)
    return scenario


def drift_check_pairs(report: dict[str, Any]) -> tuple[Pairs, Pairs]:
    """(drifted, not compared) (region, field) pairs of a drift check JSON report."""
    drifted: Pairs = set()
    not_compared: Pairs = set()
    for stack in report["stacks"]:
        for region in stack["regions"]:
            for fld in region["fields"]:
                pair = (region["region"], fld["field"])
                if fld["status"] == "drifted":
                    drifted.add(pair)
                elif fld["status"] == "not_compared":
                    not_compared.add(pair)
    return drifted, not_compared


def _is_callback(urn: str) -> bool:
    """Whether ``urn`` names an EventCallback (its type is the last of the ``$`` chain)."""
    parts = urn.split("::")
    return len(parts) >= 4 and parts[-2].rsplit("$", 1)[-1] == CALLBACK_TYPE


def preview_pairs(report: dict[str, Any]) -> Pairs:
    """(region, property) pairs of the EventCallback updates of a ``pulumi preview --json``.

    The property is the top-level name of each ``detailedDiff`` key (``events[0]`` counts as
    ``events``); the region is the step's ``newState.inputs.region``. Refresh steps and other
    resource types are ignored.
    """
    pairs: Pairs = set()
    for step in report.get("steps") or []:
        if step.get("op") != "update" or not _is_callback(str(step.get("urn", ""))):
            continue
        inputs = (step.get("newState") or {}).get("inputs") or {}
        region = str(inputs.get("region"))
        for key in step.get("detailedDiff") or {}:
            match = _PROPERTY.match(str(key))
            pairs.add((region, match.group(0) if match else str(key)))
    return pairs


def _fmt(pairs: Pairs) -> list[str]:
    return [f"{r}.{f}" for r, f in sorted(pairs)]


def run(scenario: Scenario, reps: int, latency_ms: int) -> dict[str, Any]:
    """Measure and compare; return the section of results.json."""
    expected: Pairs = set()
    for edit in drift_edits(len(scenario.regions)):
        expected |= edit.drifted_fields()
    want = {"drift": _fmt(expected), "preview": _fmt(expected), "noRefresh": []}
    scenario.set_latency(latency_ms)
    timings: dict[str, list[RunResult]] = {k: [] for k in KINDS}
    seen: dict[str, list[list[str]]] = {k: [] for k in KINDS}
    not_compared: Pairs = set()
    kinds = list(KINDS)
    for rep in range(reps):
        for kind in kinds if rep % 2 == 0 else list(reversed(kinds)):
            if kind == "drift":
                result = scenario.drift(f"drift check rep {rep}")
                pairs, not_compared = drift_check_pairs(json.loads(result.stdout))
            else:
                args = KINDS[kind]
                result = scenario.pulumi(f"{' '.join(args)} rep {rep}", *args)
                pairs = preview_pairs(json.loads(result.stdout))
            timings[kind].append(result)
            seen[kind].append(_fmt(pairs))
    medians = {k: round(median([r.wall_s for r in v]), 3) for k, v in timings.items()}
    agree = all(found == want[kind] for kind, runs in seen.items() for found in runs)
    return {
        "latencyMs": latency_ms,
        "reps": reps,
        "regions": len(scenario.regions),
        "medianS": medians,
        "runs": {k: [r.summary() for r in v] for k, v in timings.items()},
        "previewOverDrift": ratio(medians["preview"], medians["drift"]),
        "noRefreshOverDrift": ratio(medians["noRefresh"], medians["drift"]),
        "refreshAddsS": round(medians["preview"] - medians["noRefresh"], 3),
        "expected": _fmt(expected),
        "found": {k: v[-1] if v else [] for k, v in seen.items()},
        "notComparedByDriftCheck": _fmt(not_compared),
        "agree": agree,
    }
