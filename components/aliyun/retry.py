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
    stop_after_delay,
    wait_random_exponential,
)

from components.aliyun.errors import is_retryable

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter.

    Waits are random in ``[0, min(max_wait, initial_wait * 2**n))``; retrying stops after
    ``max_attempts`` attempts or once ``max_elapsed`` seconds have passed since the first one.
    """

    max_attempts: int = 6
    initial_wait: float = 0.5
    max_wait: float = 8.0
    max_elapsed: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be >= 1")
        if min(self.initial_wait, self.max_wait, self.max_elapsed) < 0:
            raise ValueError("RetryPolicy waits must not be negative")


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
        stop=stop_after_attempt(policy.max_attempts) | stop_after_delay(policy.max_elapsed),
        wait=wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait),
        retry=retry_if_exception(is_retryable),
        reraise=True,
    )
    try:
        return retrying(attempt)
    finally:
        stats.elapsed = time.monotonic() - started
