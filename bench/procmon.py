"""Peak RSS of every process under a ``pulumi`` CLI run, by polling ``/proc`` (Linux only).

Each process' ``VmHWM`` (its own high-water mark of resident memory, kept by the kernel) is
read every ``interval`` seconds while the run lasts; the last value read before a process
exits is its peak, up to what it allocates in its final ``interval``. Processes are found
through ``/proc/<pid>/task/<tid>/children`` starting at the CLI's pid and classified by
their command line.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")

ROLES: tuple[tuple[str, str], ...] = (
    ("pulumi-language-python-exec", "program"),
    ("-m components.provider", "ims provider plugin"),
    ("pulumi-resource-ims", "ims plugin wrapper (sh)"),
    ("pip list", "pip list (language host)"),
    ("tests.fakes.alicloud", "alicloud test double"),
    ("pulumi-language-python", "language host (Go)"),
)


def available() -> bool:
    """Whether this system exposes what the sampler needs."""
    return (PROC / "self" / "status").exists()


def classify(cmdline: str, *, root_role: str | None = None) -> str:
    """The role of a process in a ``pulumi`` run, from its command line (or ``root_role``)."""
    if root_role is not None:
        return root_role
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
    peak_kib: int = 0
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
        """Read ``VmHWM`` of every live process in the tree once."""
        self.samples += 1
        pending = [self.root_pid]
        while pending:
            pid = pending.pop()
            hwm = _hwm_kib(pid)
            if hwm is None:
                continue
            # read every time: a wrapper script that execs Python changes its command line
            cmdline = _read(PROC / str(pid) / "cmdline").replace("\0", " ").strip()
            role = classify(cmdline, root_role=self.root_role if pid == self.root_pid else None)
            peak = self.peaks.get(pid)
            if peak is None:
                seen = round(time.perf_counter() - self._started, 2)
                peak = self.peaks[pid] = ProcessPeak(pid, role, cmdline, first_seen_s=seen)
            if cmdline and cmdline != peak.cmdline:
                peak.role, peak.cmdline = role, cmdline
            peak.peak_kib = max(peak.peak_kib, hwm)
            pending.extend(_children(pid))

    def processes(self) -> list[dict[str, object]]:
        """Every process seen: pid, role, the start of its command line and its peak (KiB)."""
        return [
            {
                "pid": p.pid,
                "role": p.role,
                "cmd": p.cmdline[:120],
                "peakKiB": p.peak_kib,
                "firstSeenS": p.first_seen_s,
            }
            for p in sorted(self.peaks.values(), key=lambda p: p.first_seen_s)
        ]

    def by_role(self) -> dict[str, dict[str, int]]:
        """Per role: how many processes, the largest peak and the sum of peaks (KiB)."""
        roles: dict[str, dict[str, int]] = {}
        for peak in self.peaks.values():
            row = roles.setdefault(peak.role, {"count": 0, "maxKiB": 0, "sumKiB": 0})
            row["count"] += 1
            row["maxKiB"] = max(row["maxKiB"], peak.peak_kib)
            row["sumKiB"] += peak.peak_kib
        return roles
