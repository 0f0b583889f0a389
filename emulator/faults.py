"""Fault injection and per-operation call counters (in memory; not persisted).

A rule matches calls by operation and/or region and fires either always, at a ``rate``
(0..1, from its own RNG seeded with ``seed``) or for the next ``count`` matching calls.
Every firing latency rule adds its delay; the first firing error rule decides the outcome.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, cast, get_args

from emulator.errors import ApiError, forbidden_ram, internal_error, service_unavailable, throttling

FaultKind = Literal["latency", "throttle", "unavailable", "internal", "forbidden", "drop"]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
_ERRORS: dict[str, Callable[[], ApiError]] = {
    "throttle": throttling,
    "unavailable": service_unavailable,
    "internal": internal_error,
    "forbidden": forbidden_ram,
}


class FaultRuleSpec(TypedDict, total=False):
    """A rule as the admin API accepts it; only ``kind`` is required."""

    kind: FaultKind
    operation: str | None
    region: str | None
    rate: float | None
    count: int | None
    latency_ms: int
    seed: int


class FaultRuleInfo(TypedDict):
    """A rule as the admin API reports it."""

    id: str
    kind: FaultKind
    operation: str | None
    region: str | None
    rate: float | None
    count: int | None
    latency_ms: int
    seed: int
    remaining: int | None
    fired: int


@dataclass
class FaultRule:
    """One validated rule with its RNG and trigger bookkeeping."""

    id: str
    kind: FaultKind
    operation: str | None = None
    region: str | None = None
    rate: float | None = None
    count: int | None = None
    latency_ms: int = 0
    seed: int = 0
    fired: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._check_types()
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}"
            )
        if self.rate is not None and self.count is not None:
            raise ValueError("give either rate or count, not both")
        if self.rate is not None and not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        if (self.kind == "latency") != (self.latency_ms > 0):
            raise ValueError("latency_ms > 0 is required for, and only for, kind 'latency'")
        self._rng = random.Random(self.seed)  # noqa: S311 - reproducible test faults, not crypto

    def _check_types(self) -> None:
        def is_int(value: object) -> bool:
            return isinstance(value, int) and not isinstance(value, bool)

        if not all(isinstance(v, str | None) for v in (self.operation, self.region)):
            raise ValueError("operation and region must be strings")
        if not (self.rate is None or is_int(self.rate) or isinstance(self.rate, float)):
            raise ValueError("rate must be a number")
        if not (self.count is None or is_int(self.count)):
            raise ValueError("count must be an integer")
        if not (is_int(self.latency_ms) and is_int(self.seed)):
            raise ValueError("latency_ms and seed must be integers")

    def fires(self, region: str, operation: str) -> bool:
        """Whether the rule fires for this call (consumes RNG draws / counts only on a match)."""
        if self.operation not in (None, operation) or self.region not in (None, region):
            return False
        if self.count is not None and self.fired >= self.count:
            return False
        if self.rate is not None and self._rng.random() >= self.rate:
            return False
        self.fired += 1
        return True

    def info(self) -> FaultRuleInfo:
        """The admin API view of the rule."""
        return {
            "id": self.id,
            "kind": self.kind,
            "operation": self.operation,
            "region": self.region,
            "rate": self.rate,
            "count": self.count,
            "latency_ms": self.latency_ms,
            "seed": self.seed,
            "remaining": None if self.count is None else self.count - self.fired,
            "fired": self.fired,
        }


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one call: wait ``delay_s``, then drop it, fail it, or serve it."""

    delay_s: float = 0.0
    drop: bool = False
    error: ApiError | None = None


class FaultInjector:
    """The active rules, evaluated in insertion order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, spec: FaultRuleSpec | dict[str, Any]) -> FaultRuleInfo:
        """Validate and append a rule; raise ValueError for a bad spec."""
        unknown = set(spec) - set(FaultRuleSpec.__annotations__)
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        values = cast(FaultRuleSpec, spec)
        if "kind" not in values:
            raise ValueError("kind is required")
        with self._lock:
            rule = FaultRule(id=f"f{self._next_id}", **values)
            self._next_id += 1
            self._rules.append(rule)
            return rule.info()

    def remove(self, rule_id: str) -> bool:
        """Remove one rule; False if there is no such rule."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) < before

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules = []

    def rules(self) -> list[FaultRuleInfo]:
        """Every rule (including exhausted count rules)."""
        with self._lock:
            return [r.info() for r in self._rules]

    def decide(self, region: str, operation: str) -> FaultDecision:
        """Evaluate the rules for one call."""
        delay_ms = 0
        with self._lock:
            for rule in self._rules:
                if not rule.fires(region, operation):
                    continue
                if rule.kind == "latency":
                    delay_ms += rule.latency_ms
                elif rule.kind == "drop":
                    return FaultDecision(delay_ms / 1000, drop=True)
                else:
                    return FaultDecision(delay_ms / 1000, error=_ERRORS[rule.kind]())
        return FaultDecision(delay_ms / 1000)


class CountersInfo(TypedDict):
    """Calls received per operation, and per region and operation."""

    total: int
    operations: dict[str, int]
    regions: dict[str, dict[str, int]]


class CallCounters:
    """Counts every API call that named a known operation (whatever its outcome)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()

    def record(self, region: str, operation: str) -> None:
        """Count one call."""
        with self._lock:
            self._calls[(region, operation)] += 1

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._calls.clear()

    def info(self) -> CountersInfo:
        """A snapshot of the counters."""
        with self._lock:
            operations: Counter[str] = Counter()
            regions: dict[str, dict[str, int]] = {}
            for (region, operation), n in sorted(self._calls.items()):
                operations[operation] += n
                regions.setdefault(region, {})[operation] = n
            return {
                "total": sum(operations.values()),
                "operations": dict(operations),
                "regions": regions,
            }
