"""4. Program start-up inside the real language host, against a program that only has pulumi.

Method (see docs/performance.md): a second mirror of the project whose ``__main__.py`` is
:mod:`bench.probe_program`. It runs either the repo's real ``__main__.py`` (stack
``startup-program``, the mixed stack) or a baseline that registers one component and imports
nothing beyond what the language host already imported (``pulumi``). Each ``pulumi preview``
reports the time from the program process' start to its first resource registration; the
two are interleaved and the medians compared. The engine's ``--event-log`` was not used: its
time stamps are whole seconds.

``python -X importtime`` then attributes the difference: the modules the program's imports
add on top of ``import pulumi, pulumi.runtime``, summed (self time) per top-level package.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.harness import Scenario, Workspace, median
from bench.stacks import mixed_regions, mixed_stack
from devtools.engine import REPO_ROOT

PROBE = Path(__file__).resolve().parent / "probe_program.py"
BASELINE_IMPORTS = "import pulumi, pulumi.runtime"
PROGRAM_IMPORTS = (
    "import os, pulumi, pulumi.runtime\n"
    "from components.core.errors import ConfigError\n"
    "from components.core.stack_config import load_settings\n"
    "from components.pulumi_layer.account import ImsCallbacks\n"
)
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def setup(ws: Workspace, n: int) -> dict[str, Scenario]:
    """The probe project with stacks ``startup-program`` and ``startup-baseline``."""
    project = ws.make_project(ws.root / "startup-project")
    main = project / "__main__.py"
    main.unlink()
    main.symlink_to(PROBE)
    out: dict[str, Scenario] = {}
    for kind in ("program", "baseline"):
        scenario = ws.scenario(f"startup-{kind}", mixed_regions(n), project_dir=project)
        scenario.stack.write_config(mixed_stack(n))
        scenario.stack.env_overrides["IMS_BENCH_PROBE_PROGRAM"] = (
            str(REPO_ROOT / "__main__.py") if kind == "program" else "baseline"
        )
        out[kind] = scenario
    return out


def _probe_run(scenario: Scenario, kind: str, rep: int) -> dict[str, Any]:
    out = scenario.workspace.root / f"probe-{kind}-{rep}.json"
    scenario.stack.env_overrides["IMS_BENCH_PROBE_OUT"] = str(out)
    result = scenario.pulumi(f"startup {kind} rep {rep}", "preview")
    marks: dict[str, Any] = json.loads(out.read_text())
    age = float(marks["processAgeAtEnterS"])
    return {
        "previewWallS": round(result.wall_s, 3),
        "load1": result.load1,
        "toProgramS": round(age, 3),
        "toFirstRegistrationS": round(age + marks["firstAt"] - marks["enter"], 3),
        "toLastRegistrationS": round(age + marks["lastAt"] - marks["enter"], 3),
        "registrations": marks["registrations"],
        "firstType": marks.get("firstType"),
        "maxRssKiB": marks["maxRssKiB"],
    }


def importtime(code: str, cwd: Path = REPO_ROOT, *, python: str = sys.executable) -> dict[str, int]:
    """Self time (µs) of every module ``python -X importtime -c code`` imports (run in cwd)."""
    proc = subprocess.run(
        [python, "-X", "importtime", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    modules: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            modules[match.group(4)] = int(match.group(1))
    return modules


def _package(module: str) -> str:
    top = module.split(".", 1)[0]
    if top == "components":
        return ".".join(module.split(".")[:2])
    return top


def added_imports(reps: int, cwd: Path = REPO_ROOT) -> dict[str, Any]:
    """What the program's imports add on top of ``import pulumi`` (median of ``reps``)."""
    per_package: dict[str, list[float]] = defaultdict(list)
    modules_added: dict[str, set[str]] = defaultdict(set)
    totals: list[float] = []
    for _ in range(reps):
        base = importtime(BASELINE_IMPORTS, cwd)
        prog = importtime(PROGRAM_IMPORTS, cwd)
        added = {m: us for m, us in prog.items() if m not in base}
        totals.append(sum(added.values()) / 1000)
        sums: dict[str, float] = defaultdict(float)
        for module, us in added.items():
            sums[_package(module)] += us / 1000
            modules_added[_package(module)].add(module)
        for package, ms in sums.items():
            per_package[package].append(ms)
    packages: list[dict[str, Any]] = sorted(
        (
            {
                "package": p,
                "ms": round(median(v), 1),
                "modules": len(modules_added[p]),
            }
            for p, v in per_package.items()
        ),
        key=lambda row: -float(row["ms"]),
    )
    alicloud = sorted(modules_added.get("pulumi_alicloud", set()))
    spec = importlib.util.find_spec("pulumi_alicloud")
    locations = list(spec.submodule_search_locations or []) if spec else []
    alicloud_dir = Path(locations[0]) if locations else None
    subpackages = (
        sorted(p.name for p in alicloud_dir.iterdir() if (p / "__init__.py").exists())
        if alicloud_dir is not None
        else []
    )
    loaded_subpackages = sorted(
        {m.split(".")[1] for m in alicloud if m.count(".") >= 1 and m.split(".")[1] in subpackages}
    )
    return {
        "reps": reps,
        "addedTotalMs": round(median(totals), 1),
        "packages": packages,
        "pulumiAlicloud": {
            "modulesImported": len(alicloud),
            "subpackagesImported": loaded_subpackages,
            "subpackagesAvailable": len(subpackages),
        },
    }


def run(scenarios: dict[str, Scenario], reps: int, import_reps: int) -> dict[str, Any]:
    """Interleave program and baseline previews; attribute with importtime."""
    runs: dict[str, list[dict[str, Any]]] = {"program": [], "baseline": []}
    for rep in range(reps):
        kinds = ["baseline", "program"] if rep % 2 == 0 else ["program", "baseline"]
        for kind in kinds:
            runs[kind].append(_probe_run(scenarios[kind], kind, rep))
    med = {
        kind: {
            key: round(median([float(r[key]) for r in rows]), 3)
            for key in ("toProgramS", "toFirstRegistrationS", "toLastRegistrationS", "previewWallS")
        }
        for kind, rows in runs.items()
    }
    added = med["program"]["toFirstRegistrationS"] - med["baseline"]["toFirstRegistrationS"]
    return {
        "reps": reps,
        "runs": runs,
        "median": med,
        "programAddsS": round(added, 3),
        "programAllRegistrationsS": round(
            med["program"]["toLastRegistrationS"] - med["baseline"]["toFirstRegistrationS"], 3
        ),
        "imports": added_imports(import_reps, scenarios["program"].stack.project_dir),
    }
