"""Start-up probe: the ``__main__.py`` of the bench's start-up project (runs in the language host).

Self-contained (standard library and pulumi only): the language host runs it as the
program, with the project folder, not the repo, on ``sys.path``. It records

* how long the process had been running when this file started (``/proc/self/stat``
  start time against ``/proc/uptime``, 10 ms resolution): interpreter start-up plus the
  language host's own ``import pulumi``;
* when the first and the last resource registration were issued (a wrapper around
  ``pulumi.resource.register_resource``; the root Stack is registered before any program
  runs and is not counted);
* when the program returned, and ``ru_maxrss`` at exit;

and writes them as JSON to ``$IMS_BENCH_PROBE_OUT`` at exit. ``$IMS_BENCH_PROBE_PROGRAM`` is
the program to run (the repo's ``__main__.py``) or ``baseline``: one component resource and no
import beyond what the language host has already imported.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import runpy
import time
from pathlib import Path
from typing import Any

T_ENTER = time.time()
UPTIME_AT_ENTER = float(Path("/proc/uptime").read_text().split()[0])

import pulumi  # noqa: E402 - after the entry time stamp (already imported by the host)
import pulumi.resource  # noqa: E402

MARKS: dict[str, Any] = {"enter": T_ENTER, "registrations": 0}
_NAMESPACE: dict[str, Any] = vars(pulumi.resource)  # where Resource() looks the function up
_ORIGINAL = _NAMESPACE["register_resource"]


def process_age_at_enter() -> float:
    """Seconds between this process' start and the first line of this file."""
    stat = Path("/proc/self/stat").read_text()
    after_comm = stat[stat.rindex(")") + 2 :].split()
    start_ticks = int(after_comm[19])  # field 22 (starttime); the list starts at field 3
    return UPTIME_AT_ENTER - start_ticks / os.sysconf("SC_CLK_TCK")


def _probe(res: Any, type_: str, name: str, *args: Any, **kwargs: Any) -> Any:
    now = time.time()
    if type_ != "pulumi:pulumi:Stack":
        MARKS.setdefault("firstAt", now)
        MARKS.setdefault("firstType", type_)
        MARKS["lastAt"] = now
        MARKS["registrations"] += 1
    return _ORIGINAL(res, type_, name, *args, **kwargs)


def _write() -> None:
    MARKS["exitAt"] = time.time()
    MARKS["maxRssKiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = os.environ.get("IMS_BENCH_PROBE_OUT")
    if out:
        Path(out).write_text(json.dumps(MARKS))


MARKS["processAgeAtEnterS"] = process_age_at_enter()
_NAMESPACE["register_resource"] = _probe
atexit.register(_write)
TARGET = os.environ.get("IMS_BENCH_PROBE_PROGRAM", "baseline")
if TARGET == "baseline":
    pulumi.ComponentResource("bench:index:Baseline", "baseline")
else:
    runpy.run_path(TARGET, run_name="__main__")
MARKS["returnedAt"] = time.time()
