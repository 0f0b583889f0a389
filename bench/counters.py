"""2. API calls per operation, from the emulator's counters (no latency needed).

The mixed stack (HTTP and MNS regions) is deployed, then each step runs with freshly zeroed
counters: a preview and a no-change ``up`` must read every region exactly once and write
nothing; a one-field change must write exactly once, in that region only. Rows marked
``info`` have no target: they show what the engine does by design (``pulumi up`` without
``--skip-preview`` runs the program twice; ``--refresh`` adds a Read per resource).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.harness import Scenario, Workspace
from bench.stacks import SECRET_KEY, add_event, mixed_regions, mixed_stack, secret_region
from emulator.faults import CountersInfo

GET = "GetEventCallback"
SET = "SetEventCallback"


@dataclass(frozen=True)
class Expectation:
    """Expected calls per region for one operation (None: informational, no verdict)."""

    operation: str
    per_region: Callable[[str], int] | None
    text: str


def setup(ws: Workspace, n: int) -> Scenario:
    """The mixed stack of ``n`` regions, deployed."""
    scenario = ws.scenario("counters", mixed_regions(n))
    scenario.deploy(mixed_stack(n), {f"callbacks.regions.{secret_region()}.auth.key": SECRET_KEY})
    return scenario


def _per_region(counters: CountersInfo, regions: list[str], operation: str) -> dict[str, int]:
    return {r: counters["regions"].get(r, {}).get(operation, 0) for r in regions}


def _describe(values: dict[str, int]) -> str:
    distinct = set(values.values())
    if len(distinct) == 1:
        return f"{distinct.pop()} in each of {len(values)} regions"
    common = max(distinct, key=lambda v: sum(1 for x in values.values() if x == v))
    odd = ", ".join(f"{r} {v}" for r, v in values.items() if v != common)
    return f"{odd}; {common} in the other {sum(1 for x in values.values() if x == common)}"


def _others(counters: CountersInfo) -> str:
    ops = {k: v for k, v in counters["operations"].items() if k not in (GET, SET)}
    return ", ".join(f"{k} {v}" for k, v in sorted(ops.items())) or "none"


def run(scenario: Scenario, *, quick: bool = False) -> dict[str, Any]:
    """Run every step (``quick``: not the two slowest); return the section of results.json."""
    regions = scenario.regions
    changed = secret_region()
    once: Callable[[str], int] = lambda _r: 1  # noqa: E731 - tiny table of expectations
    twice: Callable[[str], int] = lambda _r: 2  # noqa: E731
    never: Callable[[str], int] = lambda _r: 0  # noqa: E731
    only_changed: Callable[[str], int] = lambda r: 1 if r == changed else 0  # noqa: E731
    each = f"1 per region ({len(regions)})"
    no_write = Expectation(SET, never, "0")
    steps: list[tuple[str, list[str], list[Expectation]]] = [
        ("preview (no change)", ["pulumi", "preview"], [Expectation(GET, once, each), no_write]),
        (
            "up --skip-preview (no change)",
            ["pulumi", "up", "--yes", "--skip-preview"],
            [Expectation(GET, once, each), no_write],
        ),
        (
            "up (preview + update: 2 program runs)",
            ["pulumi", "up", "--yes"],
            [Expectation(GET, twice, "2 per region: 1 per engine pass"), no_write],
        ),
        ("drift check", ["drift"], [Expectation(GET, once, each), no_write]),
        (
            "preview --refresh",
            ["pulumi", "preview", "--refresh"],
            [Expectation(GET, None, "info: Read + Check"), no_write],
        ),
        (
            f"preview after a one-field change in {changed}",
            ["change", "pulumi", "preview"],
            [Expectation(GET, once, each), no_write],
        ),
        (
            "up --skip-preview applying that change",
            ["pulumi", "up", "--yes", "--skip-preview"],
            [
                Expectation(GET, None, "info: Check + the update's re-read"),
                Expectation(SET, only_changed, f"1 in {changed}, 0 elsewhere"),
            ],
        ),
        (
            "preview after the change (no change)",
            ["pulumi", "preview"],
            [Expectation(GET, once, each), no_write],
        ),
    ]
    if quick:
        steps = [s for s in steps if not s[0].startswith(("up (preview", "preview after the"))]
    rows: list[dict[str, Any]] = []
    for step, command, expectations in steps:
        argv = command
        if command[0] == "change":
            add_event(scenario.stack.stack_file, changed)
            argv = command[1:]
        scenario.reset_counters()
        if argv == ["drift"]:
            result = scenario.drift("counters drift")
            shown = "python -m components.drift --format json"
        else:
            result = scenario.pulumi(f"counters {step}", *argv[1:])
            shown = " ".join(argv)
        counters = scenario.counters()
        strays = sorted(set(counters["regions"]) - set(regions))  # calls outside the stack
        for exp in expectations:
            observed = _per_region(counters, regions, exp.operation)
            verdict = None
            if exp.per_region is not None:
                verdict = not strays and all(observed[r] == exp.per_region(r) for r in regions)
            rows.append(
                {
                    "step": step,
                    "command": shown,
                    "operation": exp.operation,
                    "expected": exp.text,
                    "observed": _describe(observed),
                    "perRegion": observed,
                    "otherOperations": _others(counters)
                    + (f"; other regions called: {', '.join(strays)}" if strays else ""),
                    "pass": verdict,
                    "wallS": round(result.wall_s, 3),
                }
            )
    return {"regions": regions, "changedRegion": changed, "rows": rows}
