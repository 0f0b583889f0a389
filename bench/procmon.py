"""Peak RSS of every process under a ``pulumi`` CLI run, by polling ``/proc`` (Linux only).

Each process' ``VmHWM`` (its own high-water mark of resident memory, kept by the kernel) and
its own CPU time (``utime + stime`` of ``/proc/<pid>/stat``) are read every ``interval``
seconds while the run lasts; the last values read before a process exits are its peak and
its CPU, up to what it does in its final ``interval``. Processes are found through
``/proc/<pid>/task/<tid>/children`` starting at the CLI's pid and classified by their
command line. The ``ims`` plugin is a Python interpreter running a package folder (one
with a ``PulumiPlugin.yaml``). The Python language host that starts it (the same one that
runs the program) first checks the plugin's virtualenv with ``python -c "import
pulumi.run.plugin"``, once per launch; that check has a role of its own.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")

PLUGIN = "ims provider plugin"
HOST_CHECK = "plugin venv check (language host)"
ROLES: tuple[tuple[str, str], ...] = (
    ("pulumi-language-python-exec", "program"),
    ("import pulumi.run.plugin", HOST_CHECK),
    ("pip list", "pip list (language host)"),
    ("tests.fakes.alicloud", "alicloud test double"),
    ("pulumi-language-python", "language host (Go)"),
)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def available() -> bool:
    """Whether this system exposes what the sampler needs."""
    return (PROC / "self" / "status").exists()


def runs_package_folder(argv: list[str]) -> bool:
    """Whether ``argv`` is ``<python> <folder with PulumiPlugin.yaml> ...``: a plugin package.

    That is how the Python language host runs a source-based plugin (the folder's
    ``__main__.py``).
    """
    return (
        len(argv) >= 2
        and Path(argv[0]).name.startswith("python")
        and (Path(argv[1]) / "PulumiPlugin.yaml").is_file()
    )


def classify(cmdline: str, *, root_role: str | None = None) -> str:
    """The role of a process in a ``pulumi`` run, from its command line (or ``root_role``)."""
    if root_role is not None:
        return root_role
    if runs_package_folder(cmdline.split()):
        return PLUGIN
    for needle, role in ROLES:
        if needle in cmdline:
            return role
    return "other"


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:  # the process exited between listing and reading
        return ""


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return kids
    for task in tasks:
        kids.extend(int(k) for k in _read(task / "children").split())
    return kids


def _cpu_s(pid: int) -> float | None:
    """The process' own CPU time (user + system) so far, from ``/proc/<pid>/stat``."""
    stat = _read(PROC / str(pid) / "stat")
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 13:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _hwm_kib(pid: int) -> int | None:
    for line in _read(PROC / str(pid) / "status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


@dataclass
class ProcessPeak:
    """The largest ``VmHWM`` seen for one process."""

    pid: int
    role: str
    cmdline: str
    parent: int | None = None
    peak_kib: int = 0
    cpu_s: float = 0.0
    """Its own CPU time (user + system) at the last sample."""
    first_seen_s: float = 0.0
    """When the sampler first saw the process, in seconds after it started."""


@dataclass
class RssSampler:
    """Polls the process tree under ``root_pid`` on a thread until :meth:`stop`."""

    root_pid: int
    root_role: str = "pulumi CLI (engine)"
    interval: float = 0.02
    peaks: dict[int, ProcessPeak] = field(default_factory=dict)
    samples: int = 0
    _started: float = field(default_factory=time.perf_counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> RssSampler:
        """Begin polling."""
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling (after one last sample)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
        self.sample()

    def sample(self) -> None:
        """Read ``VmHWM`` and CPU time of every live process in the tree once."""
        self.samples += 1
        pending: list[tuple[int, int | None]] = [(self.root_pid, None)]
        while pending:
            pid, parent = pending.pop()
            hwm = _hwm_kib(pid)
            if hwm is None:
                continue
            # read every time: a process that execs another program changes its command line
            cmdline = _read(PROC / str(pid) / "cmdline").replace("\0", " ").strip()
            role = classify(cmdline, root_role=self.root_role if pid == self.root_pid else None)
            peak = self.peaks.get(pid)
            if peak is None:
                seen = round(time.perf_counter() - self._started, 2)
                peak = self.peaks[pid] = ProcessPeak(pid, role, cmdline, parent, first_seen_s=seen)
            if cmdline and cmdline != peak.cmdline:
                peak.role, peak.cmdline = role, cmdline
            peak.peak_kib = max(peak.peak_kib, hwm)
            peak.cpu_s = max(peak.cpu_s, _cpu_s(pid) or 0.0)
            pending.extend((child, pid) for child in _children(pid))

    def processes(self) -> list[dict[str, object]]:
        """Every process seen: pid, parent, role, its command line's start, peak (KiB), CPU."""
        return [
            {
                "pid": p.pid,
                "parent": p.parent,
                "role": p.role,
                "cmd": p.cmdline[:120],
                "peakKiB": p.peak_kib,
                "cpuS": round(p.cpu_s, 2),
                "firstSeenS": p.first_seen_s,
            }
            for p in sorted(self.peaks.values(), key=lambda p: p.first_seen_s)
        ]

    def by_role(self) -> dict[str, dict[str, int]]:
        """Per role: how many processes, the largest and the summed peak (KiB), CPU (ms)."""
        out: dict[str, dict[str, int]] = {}
        for peak in self.peaks.values():
            row = out.setdefault(peak.role, {"count": 0, "maxKiB": 0, "sumKiB": 0, "cpuMs": 0})
            row["count"] += 1
            row["maxKiB"] = max(row["maxKiB"], peak.peak_kib)
            row["sumKiB"] += peak.peak_kib
            row["cpuMs"] += round(peak.cpu_s * 1000)
        return out
