"""What one bench run measures: the full configuration and the ``--quick`` smoke configuration."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from components.core.regions import IMS_REGIONS

ALL_REGIONS: tuple[str, ...] = tuple(r.id for r in IMS_REGIONS)


@dataclass(frozen=True)
class BenchConfig:
    """Sizes, repetitions and latencies of one run."""

    quick: bool
    http_sizes: tuple[int, ...]
    """Region counts of the HTTP scaling stacks (first N of components.core.regions)."""
    mns_sizes: tuple[int, ...]
    """Region counts of the MNS variant (queue + grant + callback per region)."""
    reps: int
    """Repetitions of the scaling grid (median reported)."""
    drift_per_rep: int
    """Drift check runs per stack and repetition (it is cheap and its wall time is short)."""
    drift_reps: int
    """Repetitions of section 3 (drift check vs preview, with and without the refresh)."""
    latency_ms: int
    counters_regions: int
    drift_regions: int
    startup_reps: int
    importtime_reps: int
    memory_sizes: tuple[tuple[str, int], ...]
    """(delivery, regions) of the scaling stacks whose preview is sampled for peak RSS."""

    @property
    def latency_s(self) -> float:
        """The injected latency per API call, in seconds."""
        return self.latency_ms / 1000

    def to_json(self) -> dict[str, Any]:
        """The configuration as recorded in results.json."""
        return asdict(self)


FULL = BenchConfig(
    quick=False,
    http_sizes=(1, 2, 4, 8),
    mns_sizes=(1, 8),
    reps=3,
    drift_per_rep=3,
    drift_reps=3,
    latency_ms=200,
    counters_regions=8,
    drift_regions=8,
    startup_reps=3,
    importtime_reps=3,
    memory_sizes=(("http", 1), ("http", 8), ("mns", 8)),
)

QUICK = BenchConfig(
    quick=True,
    http_sizes=(1, 2),
    mns_sizes=(1,),
    reps=1,
    drift_per_rep=1,
    drift_reps=1,
    latency_ms=50,
    counters_regions=2,
    drift_regions=2,
    startup_reps=1,
    importtime_reps=1,
    memory_sizes=(("http", 2),),
)
