"""1. Wall time of ``pulumi preview`` and of the drift check for 1, 2, 4 and 8 regions.

Every API call gets the same fixed latency in the emulator. A preview's reads are the
refresh (``refresh: always``) through the ``ims`` provider plugin's ``read``. The ideal (one
GetEventCallback per region, all regions in parallel) costs one round trip on top of fixed
start-up, so
t(8)/t(1) should stay near 1. The drift check, short and cheap, runs ``drift_per_rep`` times
per repetition. Sizes are interleaved within each repetition (alternating
direction) and the median of the repetitions is reported, so slow drifts of the shared
machine's load hit every size alike. The emulator's log gives a load-independent view of the
same question: the span of a run's GetEventCallback calls divided by the latency is the
number of round trips waited for one after another (1 is ideal, N means in series).
"""

from __future__ import annotations

from typing import Any

from bench.config import ALL_REGIONS, BenchConfig
from bench.harness import RunResult, Scenario, Workspace, median, ratio
from bench.stacks import http_stack, mns_stack

VARIANTS = ("http", "mns")


def scenario_name(variant: str, n: int) -> str:
    """Stack name of a scaling scenario."""
    return f"{variant}-{n}"


def setup(ws: Workspace, cfg: BenchConfig) -> dict[str, Scenario]:
    """Create and deploy every scaling stack (without latency)."""
    out: dict[str, Scenario] = {}
    for variant, sizes in (("http", cfg.http_sizes), ("mns", cfg.mns_sizes)):
        for n in sizes:
            name = scenario_name(variant, n)
            scenario = ws.scenario(name, list(ALL_REGIONS[:n]))
            scenario.deploy(http_stack(n) if variant == "http" else mns_stack(n))
            out[name] = scenario
    return out


def _check_reads(result: RunResult, n: int, problems: list[str]) -> None:
    gets = result.gets()["calls"]
    if gets != n:
        problems.append(f"{result.label}: {gets} GetEventCallback calls, expected {n}")


def run(scenarios: dict[str, Scenario], cfg: BenchConfig) -> dict[str, Any]:
    """Measure; return the section of results.json."""
    runs: dict[str, dict[str, list[RunResult]]] = {}
    problems: list[str] = []
    order = [(v, n) for v in VARIANTS for n in (cfg.http_sizes if v == "http" else cfg.mns_sizes)]
    for rep in range(cfg.reps):
        for variant, n in order if rep % 2 == 0 else list(reversed(order)):
            scenario = scenarios[scenario_name(variant, n)]
            slot = runs.setdefault(scenario.name, {})
            scenario.set_latency(cfg.latency_ms)
            tag = f"{scenario.name} rep {rep}"
            preview = scenario.pulumi(f"preview {tag}", "preview")
            _check_reads(preview, n, problems)
            slot.setdefault("preview", []).append(preview)
            for _ in range(cfg.drift_per_rep):
                drift = scenario.drift(f"drift {tag}")
                _check_reads(drift, n, problems)
                slot.setdefault("drift", []).append(drift)
    return _summarise(runs, cfg, problems)


def _summarise(
    runs: dict[str, dict[str, list[RunResult]]], cfg: BenchConfig, problems: list[str]
) -> dict[str, Any]:
    sizes: dict[str, Any] = {}
    for name, by_kind in runs.items():
        sizes[name] = {
            kind: {
                "medianS": round(median([r.wall_s for r in results]), 3),
                "minS": round(min(r.wall_s for r in results), 3),
                "cpuMedianS": round(median([r.cpu_s for r in results]), 3),
                "getSpanMedianS": round(median([r.gets()["spanS"] for r in results]), 3),
                "serialRoundTrips": round(
                    median([r.gets()["spanS"] for r in results]) / cfg.latency_s, 2
                ),
                "runs": [r.summary() for r in results],
            }
            for kind, results in by_kind.items()
        }
    ratios: dict[str, Any] = {}
    for variant, variant_sizes in (("http", cfg.http_sizes), ("mns", cfg.mns_sizes)):
        if len(variant_sizes) < 2:
            continue
        small = scenario_name(variant, min(variant_sizes))
        large = scenario_name(variant, max(variant_sizes))
        for command in ("preview", "drift"):
            lows = [r.wall_s for r in runs[small][command]]
            highs = [r.wall_s for r in runs[large][command]]
            # per repetition: adjacent in time (all drift runs of one repetition together)
            per_rep = len(lows) // cfg.reps
            rep_lows = [median(lows[i : i + per_rep]) for i in range(0, len(lows), per_rep)]
            rep_highs = [median(highs[i : i + per_rep]) for i in range(0, len(highs), per_rep)]
            ratios[f"{variant}/{command}"] = {
                "samples": len(lows),
                "small": min(variant_sizes),
                "large": max(variant_sizes),
                "ratioOfMedians": ratio(median(highs), median(lows)),
                "ratioOfMins": ratio(min(highs), min(lows)),
                "medianOfPerRepRatios": round(
                    median([h / lo for h, lo in zip(rep_highs, rep_lows, strict=True)]), 3
                ),
            }
    return {
        "latencyMs": cfg.latency_ms,
        "reps": cfg.reps,
        "driftPerRep": cfg.drift_per_rep,
        "scenarios": sizes,
        "ratios": ratios,
        "problems": problems,
    }
