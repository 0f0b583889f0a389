"""5. Peak RSS and CPU of the program, the ``ims`` provider plugin and the rest of a preview.

``/proc`` is polled (every 20 ms) while ``pulumi preview`` runs on some scaling stacks (with
the scaling latency) and while the drift check runs; each process' ``VmHWM`` is its own
peak and ``utime + stime`` its own CPU, classified by command line (bench.procmon). A
preview starts the provider plugin twice (once for the refresh, once for the preview's own
steps), each launch after the language host's check of the plugin's virtualenv, hence their
"x2". The start-up probe's ``ru_maxrss`` at exit (section 4) cross-checks the program's
number.
"""

from __future__ import annotations

from typing import Any

from bench import procmon
from bench.config import BenchConfig
from bench.harness import Scenario
from bench.scaling import scenario_name


def run(scenarios: dict[str, Scenario], cfg: BenchConfig) -> dict[str, Any]:
    """Sample one preview per configured stack and one drift check; KiB per role."""
    if not procmon.available():
        return {"available": False, "runs": []}
    rows: list[dict[str, Any]] = []
    for variant, n in cfg.memory_sizes:
        scenario = scenarios[scenario_name(variant, n)]
        scenario.set_latency(cfg.latency_ms)
        preview = scenario.pulumi(f"memory preview {scenario.name}", "preview", sample_rss=True)
        rows.append(
            {
                "command": "pulumi preview",
                "stack": scenario.name,
                "peakRssKiB": preview.rss_kib,
                "processes": preview.processes,
            }
        )
    variant, n = cfg.memory_sizes[-1]
    scenario = scenarios[scenario_name(variant, n)]
    drift = scenario.drift(f"memory drift {scenario.name}", sample_rss=True)
    rows.append(
        {
            "command": "drift check",
            "stack": scenario.name,
            "peakRssKiB": drift.rss_kib,
            "processes": drift.processes,
        }
    )
    return {"available": True, "intervalS": procmon.RssSampler(0).interval, "runs": rows}
