"""4c. Start-up of the ``ims`` provider plugin: alone, and as the engine starts it in a preview.

The ``ims`` plugin is a source-based package (``provider/``: ``PulumiPlugin.yaml``,
``__main__.py``, its own ``venv``). The engine asks the Python language host to run it; the
host checks that the plugin's virtualenv has ``pulumi.run.plugin`` (``python -c "import
pulumi.run.plugin"``), then runs ``<venv>/bin/python <package folder> <engine address>``,
and the engine waits for the port the plugin prints on stdout before it sends any RPC; that
wait is the start-up. Two views:

* **Alone**: that plugin command is started with a dummy engine address (the plugin does
  not call the engine before it serves) and timed until its first stdout line. The floor is
  the same for a bare Python plugin on the same virtualenv: the interpreter plus ``import
  grpc, pulumi.provider.experimental.server``, timed the same way. The language host's
  module check is timed too, to its exit. The three are interleaved, ``reps`` times each.
  ``python -X importtime`` (on the plugin's interpreter) attributes the plugin's difference
  to the floor per top-level package.
* **In a preview**: ``pulumi preview --logtostderr -v=9 --logflow`` of a deployed stack logs,
  with microsecond time stamps, each ``newPlugin(): Launching plugin 'ims (resource)'`` and
  the ``Handshake`` the engine attempts as soon as it has read the port. Launch to handshake
  is one start-up as the engine sees it, the language host's part included; the launches of
  one preview are counted (with ``refresh: always`` the refresh and the preview's own steps
  each start the plugin), and the same is done with ``--refresh=false``. Verbose logging
  costs the engine CPU, so these previews are not used for any other figure.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.config import ALL_REGIONS
from bench.harness import BenchError, Scenario, Workspace, median, plugin_command
from bench.stacks import http_stack
from bench.startup import importtime

DUMMY_ENGINE = "127.0.0.1:1"
SDK_FLOOR = "import grpc, grpc.aio, pulumi.provider.experimental.server"
HOST_CHECK = "import pulumi.run.plugin"
"""What the language host runs on the plugin's interpreter before it starts the plugin."""
PLUGIN_IMPORT = "import components.provider.server"
LAUNCH = re.compile(r"^newPlugin\(\): Launching plugin 'ims \(resource\)' from '([^']+)'")
"""The engine's first line for a plugin launch; it names the plugin (for a package folder, a
``pulumi-resource-ims`` path inside it that need not exist), as its Handshake line does."""
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


def time_to_exit(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    """Seconds from starting ``cmd`` until it exits (successfully)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"`{' '.join(cmd)}` exited {proc.returncode}\n{proc.stderr[-2000:]}")
    return elapsed


def alone(scenario: Scenario, reps: int) -> dict[str, Any]:
    """Start-up of the plugin alone, the SDK floor and the host's check (median of ``reps``)."""
    project = scenario.stack.project_dir
    env = scenario.stack.profile.env()
    env.update(scenario.stack.env_overrides)
    plugin = plugin_command(project, DUMMY_ENGINE)
    python = plugin[0]
    to_first_line = {
        "plugin": plugin,
        "sdkFloor": [python, "-c", f"{SDK_FLOOR}; print(1, flush=True)"],
    }
    commands = {**to_first_line, "hostCheck": [python, "-c", HOST_CHECK]}
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for cmd in commands.values():
        scenario.workspace.record_command(cmd)
    for rep in range(reps):
        for kind in commands if rep % 2 == 0 else reversed(list(commands)):
            timer = time_to_first_line if kind in to_first_line else time_to_exit
            samples[kind].append(timer(commands[kind], cwd=project, env=env))
    base = importtime(SDK_FLOOR, project, python=python)
    added: dict[str, float] = defaultdict(float)
    for module, us in importtime(PLUGIN_IMPORT, project, python=python).items():
        if module not in base:
            added[module.split(".", 1)[0]] += us / 1000
    return {
        "reps": reps,
        "command": plugin,
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
    pending: tuple[float, str] | None = None
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
        launch = LAUNCH.match(msg)
        if launch:
            pending = (at, launch.group(1))
        elif pending is not None and msg.startswith("Handshake") and f"'{pending[1]}'" in msg:
            started = pending[0]
            out.append({"atS": round(started - first, 3), "toHandshakeS": round(at - started, 3)})
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
