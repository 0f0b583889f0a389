"""4c. Start-up of the ``ims`` provider plugin: alone, and as the engine starts it in a preview.

The engine runs ``provider/pulumi-resource-ims <engine address>`` (a ``sh`` wrapper that
execs ``python -m components.provider``) and waits for the port the plugin prints on stdout
before it sends any RPC; that wait is the start-up. Two views:

* **Alone**: the wrapper is started with a dummy engine address (the plugin does not call
  the engine before it serves) and timed until its first stdout line, ``reps`` times. The
  floor is the same for a bare Python plugin on the same SDK: the interpreter plus ``import
  grpc, pulumi.provider.experimental.server``, timed the same way. ``python -X importtime``
  attributes the difference per top-level package.
* **In a preview**: ``pulumi preview --logtostderr -v=9 --logflow`` of a deployed stack logs,
  with microsecond time stamps, each ``Launching plugin 'ims (resource)'`` and the
  ``Handshake`` the engine attempts as soon as it has read the port. Launch to handshake is
  one start-up as the engine sees it; the launches of one preview are counted (with
  ``refresh: always`` the refresh and the preview's own steps each start the plugin), and
  the same is done with ``--refresh=false``. Verbose logging costs the engine CPU, so these
  previews are not used for any other figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.config import ALL_REGIONS
from bench.harness import PLUGIN_WRAPPER, BenchError, Scenario, Workspace, median
from bench.stacks import http_stack
from bench.startup import importtime

DUMMY_ENGINE = "127.0.0.1:1"
SDK_FLOOR = "import grpc, grpc.aio, pulumi.provider.experimental.server"
PLUGIN_IMPORT = "import components.provider.server"
LAUNCH = "Launching plugin 'ims (resource)'"
VERBOSE = ("--logtostderr", "-v=9", "--logflow")


def setup(ws: Workspace) -> Scenario:
    """A deployed one-region stack (its previews refresh, so the plugin starts twice)."""
    scenario = ws.scenario("plugin", list(ALL_REGIONS[:1]))
    scenario.deploy(http_stack(1))
    return scenario


def time_to_first_line(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    """Seconds from starting ``cmd`` until it writes its first line on stdout; then stop it."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if not line.strip():
        raise BenchError(f"`{' '.join(cmd)}` printed nothing on stdout")
    return elapsed


def alone(scenario: Scenario, reps: int) -> dict[str, Any]:
    """Start-up of the wrapper alone and of the SDK floor, interleaved (median of ``reps``)."""
    project = scenario.stack.project_dir
    env = scenario.stack.profile.env()
    env.update(scenario.stack.env_overrides)
    commands = {
        "plugin": [str(project / "provider" / PLUGIN_WRAPPER), DUMMY_ENGINE],
        "sdkFloor": [sys.executable, "-c", f"{SDK_FLOOR}; print(1, flush=True)"],
    }
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for rep in range(reps):
        for kind in commands if rep % 2 == 0 else reversed(list(commands)):
            samples[kind].append(time_to_first_line(commands[kind], cwd=project, env=env))
    base = importtime(SDK_FLOOR, project)
    added: dict[str, float] = defaultdict(float)
    for module, us in importtime(PLUGIN_IMPORT, project).items():
        if module not in base:
            added[module.split(".", 1)[0]] += us / 1000
    return {
        "reps": reps,
        "medianS": {k: round(median(v), 3) for k, v in samples.items()},
        "minS": {k: round(min(v), 3) for k, v in samples.items()},
        "samplesS": {k: [round(x, 3) for x in v] for k, v in samples.items()},
        "importsOverSdkMs": [
            {"package": p, "ms": round(ms, 1)}
            for p, ms in sorted(added.items(), key=lambda kv: -kv[1])
        ][:10],
        "importsOverSdkTotalMs": round(sum(added.values()), 1),
    }


def _stamp(text: str) -> float:
    """Epoch seconds of an RFC 3339 time stamp with up to nanoseconds."""
    head, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00").timestamp()


def launches(log: str) -> list[dict[str, float]]:
    """Each ``ims`` plugin launch of a verbose engine log: when, and launch to handshake."""
    out: list[dict[str, float]] = []
    first: float | None = None
    pending: float | None = None
    for line in log.splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
            at = _stamp(str(entry["time"]))
        except (ValueError, KeyError):
            continue
        first = at if first is None else first
        msg = str(entry.get("msg", ""))
        if LAUNCH in msg:
            pending = at
        elif pending is not None and msg.startswith("Handshake") and PLUGIN_WRAPPER in msg:
            out.append({"atS": round(pending - first, 3), "toHandshakeS": round(at - pending, 3)})
            pending = None
    return out


def in_preview(scenario: Scenario, reps: int) -> dict[str, Any]:
    """Plugin launches of verbose previews, with and without the refresh (``reps`` each)."""
    rows: dict[str, list[dict[str, Any]]] = {"preview": [], "noRefresh": []}
    for rep in range(reps):
        for kind in ("preview", "noRefresh"):
            args = ["preview", *VERBOSE] + (["--refresh=false"] if kind == "noRefresh" else [])
            result = scenario.pulumi(f"plugin {kind} rep {rep}", *args)
            found = launches(result.stderr)
            if not found:
                raise BenchError(f"no ims plugin launch in the verbose log of {' '.join(args)}")
            rows[kind].append(
                {
                    "wallS": round(result.wall_s, 3),
                    "load1": result.load1,
                    "launches": found,
                    "sumS": round(sum(x["toHandshakeS"] for x in found), 3),
                }
            )
    every = [x["toHandshakeS"] for runs in rows.values() for r in runs for x in r["launches"]]
    return {
        "reps": reps,
        "runs": rows,
        "launchesPerPreview": {k: max(len(r["launches"]) for r in v) for k, v in rows.items()},
        "perLaunchMedianS": round(median(every), 3),
        "addedToPreviewS": {k: round(median([r["sumS"] for r in v]), 3) for k, v in rows.items()},
    }


def run(scenario: Scenario, reps: int) -> dict[str, Any]:
    """Both views; return ``startup.plugin`` of results.json."""
    return {
        "stack": scenario.name,
        "alone": alone(scenario, 2 * reps + 1),
        "inPreview": in_preview(scenario, reps),
    }
