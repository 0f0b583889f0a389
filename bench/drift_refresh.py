"""3. The drift check against ``pulumi preview --refresh`` on the same drifted stack.

The mixed stack is deployed, then changed out of band through the emulator's console edit
(a queue name, a URL plus the stack-set auth key, an event list). With the scaling latency
on every call, each repetition times the drift check (``--format json``), ``pulumi preview
--refresh --json`` and, for reference, a plain ``pulumi preview --json``, in alternating
order. Both reports are parsed: the drift check's drifted fields, and the ``drift`` input of
each EventCallback step in the preview ("field: live -> desired"). They must name the same
(region, field) pairs, which must be exactly what the console edits changed.
"""

from __future__ import annotations

import json
from typing import Any

from bench.harness import RunResult, Scenario, Workspace, median, ratio
from bench.stacks import SECRET_KEY, drift_edits, mixed_regions, mixed_stack, secret_region

CALLBACK_TYPE = "ims:EventCallback"
Pairs = set[tuple[str, str]]


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


def preview_pairs(report: dict[str, Any]) -> Pairs:
    """(region, field) pairs from the ``drift`` input of a ``pulumi preview --json`` report."""
    pairs: Pairs = set()
    for step in report.get("steps") or []:
        if CALLBACK_TYPE not in step.get("urn", "") or step.get("op") == "refresh":
            continue
        inputs = (step.get("newState") or {}).get("inputs") or {}
        for line in inputs.get("drift") or []:
            pairs.add((str(inputs.get("region")), str(line).split(":", 1)[0]))
    return pairs


def _fmt(pairs: Pairs) -> list[str]:
    return [f"{r}.{f}" for r, f in sorted(pairs)]


def run(scenario: Scenario, reps: int, latency_ms: int) -> dict[str, Any]:
    """Measure and compare; return the section of results.json."""
    expected: Pairs = set()
    for edit in drift_edits(len(scenario.regions)):
        expected |= edit.drifted_fields()
    scenario.set_latency(latency_ms)
    timings: dict[str, list[RunResult]] = {"drift": [], "refresh": [], "preview": []}
    seen: dict[str, list[list[str]]] = {"drift": [], "refresh": [], "preview": []}
    not_compared: Pairs = set()
    kinds = ["drift", "refresh", "preview"]
    for rep in range(reps):
        for kind in kinds if rep % 2 == 0 else list(reversed(kinds)):
            if kind == "drift":
                result = scenario.drift(f"drift check rep {rep}")
                drifted, not_compared = drift_check_pairs(json.loads(result.stdout))
                pairs = drifted
            else:
                args = ["preview", "--json"] + (["--refresh"] if kind == "refresh" else [])
                result = scenario.pulumi(f"{' '.join(args)} rep {rep}", *args)
                pairs = preview_pairs(json.loads(result.stdout))
            timings[kind].append(result)
            seen[kind].append(_fmt(pairs))
    medians = {k: round(median([r.wall_s for r in v]), 3) for k, v in timings.items()}
    agree = all(s == _fmt(expected) for runs in seen.values() for s in runs)
    return {
        "latencyMs": latency_ms,
        "reps": reps,
        "regions": len(scenario.regions),
        "medianS": medians,
        "runs": {k: [r.summary() for r in v] for k, v in timings.items()},
        "refreshOverDrift": ratio(medians["refresh"], medians["drift"]),
        "previewOverDrift": ratio(medians["preview"], medians["drift"]),
        "expected": _fmt(expected),
        "found": {k: v[-1] if v else [] for k, v in seen.items()},
        "notComparedByDriftCheck": _fmt(not_compared),
        "agree": agree,
    }
