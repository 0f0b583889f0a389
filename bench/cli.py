"""``python -m bench [--quick]``: run every section, print the tables, write results.json."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import counters, drift_refresh, memory, plugin, report, scaling, startup
from bench.config import FULL, QUICK, BenchConfig
from bench.harness import BenchError, Workspace, machine, workspace
from devtools.engine import REPO_ROOT

SECTIONS = ("scaling", "counters", "drift", "startup", "memory")
DEFAULT_OUTPUT = REPO_ROOT / ".state" / "bench" / "results.json"
DEFAULT_WORK = REPO_ROOT / ".state" / "bench" / "work"


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Performance suite: the real Pulumi CLI against the emulator with latency.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny configuration (smoke test; numbers mean little)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable; default: all)",
    )
    parser.add_argument(
        "--reps", type=int, metavar="N", help="repetitions of the scaling grid (default: 3)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON path")
    parser.add_argument(
        "--work-dir", type=Path, default=DEFAULT_WORK, help="scratch folder (wiped first)"
    )
    parser.add_argument(
        "--components",
        type=Path,
        metavar="DIR",
        help="measure this copy of the components package (e.g. a candidate fix) instead",
    )
    return parser


def _section(
    log: Console, name: str, results: dict[str, Any], key: str, fn: Callable[[], dict[str, Any]]
) -> None:
    start = time.perf_counter()
    log.log(f"[bold]{name}[/] ...")
    results[key] = fn()
    log.log(f"{name}: {time.perf_counter() - start:.0f} s")


def run(
    cfg: BenchConfig,
    sections: tuple[str, ...],
    work_dir: Path,
    log: Console,
    components: Path | None = None,
) -> dict[str, Any]:
    """Set up the stacks and run the selected sections; return results.json's content."""
    started = time.perf_counter()
    results: dict[str, Any] = {
        "schemaVersion": 1,
        "config": cfg.to_json(),
        "sections": sections,
        "components": str(components) if components else "repo",
    }
    with workspace(work_dir, components) as ws:
        results["machine"] = machine(ws.profile)
        log.log(
            f"machine: {results['machine']['cpu']}, load {results['machine']['loadAvgAtStart']}"
        )
        _run_sections(cfg, sections, ws, log, results)
        results["commands"] = ws.commands
    results["loadAvgAtEnd"] = [round(x, 2) for x in os.getloadavg()]
    results["durationS"] = round(time.perf_counter() - started, 1)
    results["targets"] = report.targets(results)
    return results


def _run_sections(
    cfg: BenchConfig,
    sections: tuple[str, ...],
    ws: Workspace,
    log: Console,
    results: dict[str, Any],
) -> None:
    log.log("deploying the stacks (no latency) ...")
    scaled = scaling.setup(ws, cfg) if {"scaling", "memory"} & set(sections) else {}
    if "scaling" in sections:
        _section(log, "1. scaling", results, "scaling", lambda: scaling.run(scaled, cfg))
    if "counters" in sections:
        scenario = counters.setup(ws, cfg.counters_regions)
        _section(
            log,
            "2. API calls",
            results,
            "counters",
            lambda: counters.run(scenario, quick=cfg.quick),
        )
    if "drift" in sections:
        drifted = drift_refresh.setup(ws, cfg.drift_regions)
        _section(
            log,
            "3. drift check vs preview (refresh: always)",
            results,
            "driftVsRefresh",
            lambda: drift_refresh.run(drifted, cfg.drift_reps, cfg.latency_ms),
        )
    if "startup" in sections:
        probes = startup.setup(ws, cfg.drift_regions)
        deployed = plugin.setup(ws)
        _section(
            log,
            "4. start-up (program, provider plugin)",
            results,
            "startup",
            lambda: {
                **startup.run(probes, cfg.startup_reps, cfg.importtime_reps),
                "plugin": plugin.run(deployed, cfg.startup_reps),
            },
        )
    if "memory" in sections:
        _section(log, "5. memory", results, "memory", lambda: memory.run(scaled, cfg))


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit 0 after measuring (targets are reported, not enforced), 1 on error."""
    args = build_parser().parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.reps:
        cfg = dataclasses.replace(cfg, reps=max(1, args.reps))
    sections = tuple(args.only or SECTIONS)
    log = Console(stderr=True)
    try:
        components = args.components.resolve() if args.components else None
        results = run(cfg, sections, args.work_dir.resolve(), log, components)
    except BenchError as err:
        log.print(f"[red]bench failed:[/] {err}")
        return 1
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    output.with_suffix(".md").write_text(report.markdown(results))
    out = Console()
    if not out.is_terminal:
        out = Console(width=170)
    report.print_tables(results, out)
    log.log(f"wrote {output} and {output.with_suffix('.md')}")
    return 0
