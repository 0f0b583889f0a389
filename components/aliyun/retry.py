"""Retry of transient failures only (throttling, 5xx, dropped connections, timeouts).

The SDK's own retry is left off (``Config.retry_options`` unset), so one attempt here is
exactly one HTTP request: the emulator's counters can check it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from components.aliyun.errors import is_retryable

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter.

    The wait after failed attempt ``n`` (1-based) is random in
    ``[0, min(max_wait, initial_wait * 2**(n-1))]``. Retrying stops after ``max_attempts``
    attempts, or before a wait that would end ``max_elapsed`` seconds or more after the first
    attempt started. So a call sleeps at most :meth:`max_total_wait` seconds in all and starts
    no attempt after ``max_elapsed``; it ends within ``max_elapsed`` plus one request's
    timeouts.

    Defaults: 10 attempts, waits capped at 0.5, 1, 2, 4, 4, 4, 4, 4, 4 s, so at most 27.5 s
    of backoff per call (13.75 s on average), within a 60 s budget. 10 rather than 6 because
    at 30% injected failures, 6 attempts ran out in 2 of 20 six-region soak runs
    (docs/reliability.md, Faults during `pulumi up`); 0.3**10 is about 6e-6 per call.
    """

    max_attempts: int = 10
    initial_wait: float = 0.5
    max_wait: float = 4.0
    max_elapsed: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be >= 1")
        if min(self.initial_wait, self.max_wait, self.max_elapsed) < 0:
            raise ValueError("RetryPolicy waits must not be negative")

    @classmethod
    def with_attempts(cls, max_attempts: int | None) -> RetryPolicy:
        """The default policy, with ``max_attempts`` (``ims:retryAttempts``) when set."""
        return cls(max_attempts=max_attempts) if max_attempts else cls()

    def max_total_wait(self) -> float:
        """The most a call can sleep between its attempts (before ``max_elapsed`` applies)."""
        total, cap = 0.0, min(self.initial_wait, self.max_wait)
        for _ in range(self.max_attempts - 1):
            total += cap
            cap = min(cap * 2, self.max_wait)
        return total


@dataclass
class RetryStats:
    """Filled in by :func:`call_with_retry`: attempts made and seconds spent (for logging)."""

    attempts: int = 0
    elapsed: float = 0.0


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy, stats: RetryStats | None = None) -> T:
    """Call ``fn``, retrying only :func:`~components.aliyun.errors.is_retryable` failures.

    The last exception is re-raised unchanged when retrying stops; ``stats`` (if given) is
    updated on success and on failure.
    """
    stats = stats if stats is not None else RetryStats()
    stats.attempts = 0
    started = time.monotonic()

    def attempt() -> T:
        stats.attempts += 1
        return fn()

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_elapsed),
        wait=wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait),
        retry=retry_if_exception(is_retryable),
        reraise=True,
    )
    try:
        return retrying(attempt)
    finally:
        stats.elapsed = time.monotonic() - started
