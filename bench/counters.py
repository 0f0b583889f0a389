"""2. API calls per operation, from the emulator's counters (no latency needed).

The mixed stack (HTTP and MNS regions) is deployed, then each step runs with freshly zeroed
counters. The native ``ims`` provider makes no API call in ``check`` or ``diff``; the only
reads of a preview are the refresh's ``read`` of every resource, which Pulumi.yaml's
``options: refresh: always`` runs before every preview and update. So a no-change preview
must make exactly one GetEventCallback per region plus one GetQueueAttributes per created
MNS queue, and no write; ``--refresh=false`` must make none; a one-field change must write
exactly once, in that region only. ``pulumi up`` without ``--skip-preview`` refreshes twice
(its preview, then the update), so it reads twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.harness import Scenario, Workspace
from bench.stacks import (
    SECRET_KEY,
    add_event,
    is_mns,
    mixed_regions,
    mixed_stack,
    secret_region,
)
from emulator.faults import CountersInfo

GET = "GetEventCallback"
SET = "SetEventCallback"
QUEUE_GET = "GetQueueAttributes"


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


def _others(counters: CountersInfo, checked: set[str]) -> str:
    ops = {k: v for k, v in counters["operations"].items() if k not in checked}
    return ", ".join(f"{k} {v}" for k, v in sorted(ops.items())) or "none"


def run(scenario: Scenario, *, quick: bool = False) -> dict[str, Any]:
    """Run every step (``quick``: not the two slowest); return the section of results.json."""
    regions = scenario.regions
    changed = secret_region()
    queues = {r for i, r in enumerate(regions) if is_mns(i)}
    once: Callable[[str], int] = lambda _r: 1  # noqa: E731 - tiny table of expectations
    twice: Callable[[str], int] = lambda _r: 2  # noqa: E731
    never: Callable[[str], int] = lambda _r: 0  # noqa: E731
    only_changed: Callable[[str], int] = lambda r: 1 if r == changed else 0  # noqa: E731
    changed_twice: Callable[[str], int] = lambda r: 2 if r == changed else 1  # noqa: E731
    per_queue: Callable[[str], int] = lambda r: 1 if r in queues else 0  # noqa: E731
    queues_twice: Callable[[str], int] = lambda r: 2 if r in queues else 0  # noqa: E731
    each = f"1 per region ({len(regions)})"
    queue_text = f"1 per MNS queue ({', '.join(sorted(queues)) or 'none'})"
    no_write = Expectation(SET, never, "0")
    no_queue = Expectation(QUEUE_GET, never, "0")
    refresh = [Expectation(GET, once, each), Expectation(QUEUE_GET, per_queue, queue_text)]
    steps: list[tuple[str, list[str], list[Expectation]]] = [
        ("preview (no change)", ["pulumi", "preview"], [*refresh, no_write]),
        (
            "preview --refresh=false (no reads)",
            ["pulumi", "preview", "--refresh=false"],
            [Expectation(GET, never, "0"), no_queue, no_write],
        ),
        (
            "up --skip-preview (no change)",
            ["pulumi", "up", "--yes", "--skip-preview"],
            [*refresh, no_write],
        ),
        (
            "up (preview + update: 2 refreshes)",
            ["pulumi", "up", "--yes"],
            [
                Expectation(GET, twice, "2 per region: 1 per refresh"),
                Expectation(QUEUE_GET, queues_twice, "2 per MNS queue"),
                no_write,
            ],
        ),
        ("drift check", ["drift"], [*refresh, no_write]),
        (
            "preview --refresh (= preview: refresh is always on)",
            ["pulumi", "preview", "--refresh"],
            [*refresh, no_write],
        ),
        (
            f"preview after a one-field change in {changed}",
            ["change", "pulumi", "preview"],
            [*refresh, no_write],
        ),
        (
            "up --skip-preview applying that change",
            ["pulumi", "up", "--yes", "--skip-preview"],
            [
                Expectation(
                    GET, changed_twice, f"{changed} 2 (refresh + the update's re-read), 1 elsewhere"
                ),
                Expectation(QUEUE_GET, per_queue, queue_text),
                Expectation(SET, only_changed, f"1 in {changed}, 0 elsewhere"),
            ],
        ),
        ("preview after the change (no change)", ["pulumi", "preview"], [*refresh, no_write]),
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
        checked = {exp.operation for exp in expectations}
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
                    "otherOperations": _others(counters, checked)
                    + (f"; other regions called: {', '.join(strays)}" if strays else ""),
                    "pass": verdict,
                    "wallS": round(result.wall_s, 3),
                }
            )
    return {
        "regions": regions,
        "changedRegion": changed,
        "queueRegions": sorted(queues),
        "rows": rows,
    }
