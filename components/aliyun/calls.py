"""One cloud call: retry, translation to a redacted CloudError, and one log line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from components.aliyun.errors import CloudError, to_cloud_error
from components.aliyun.retry import RetryPolicy, RetryStats, call_with_retry

T = TypeVar("T")

logger = logging.getLogger("ims_callbacks.aliyun")


def invoke(
    operation: str,
    region: str,
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    secrets: Iterable[str] = (),
    expected: frozenset[str] = frozenset(),
) -> T:
    """Run ``fn`` (one SDK request) under ``policy``; log ``operation``, region, time, attempts.

    Any failure is raised as :class:`CloudError` with ``secrets`` (and every URL query string)
    redacted, and ``from None`` so the SDK exception, which may carry the request URL and its
    parameters, is not chained into tracebacks. Parameters are never logged. Error codes in
    ``expected`` (e.g. QueueNotExist for a lookup) are logged at INFO instead of WARNING.
    """
    stats = RetryStats()
    try:
        result = call_with_retry(fn, policy, stats)
    except Exception as exc:
        error = (
            exc
            if isinstance(exc, CloudError)
            else to_cloud_error(
                exc, operation=operation, region=region, attempts=stats.attempts, secrets=secrets
            )
        )
        error.attempts = stats.attempts
        logger.log(
            logging.INFO if error.code in expected else logging.WARNING,
            "%s %s failed: %s (%d attempts, %.3fs)",
            operation, region, error.code, stats.attempts, stats.elapsed,
        )  # fmt: skip
        raise error from None
    logger.info("%s %s ok (%d attempts, %.3fs)", operation, region, stats.attempts, stats.elapsed)
    return result


def require_success(operation: str, region: str, response: Any) -> None:
    """Raise :class:`CloudError` unless an SDK response's body says ``Success: true``."""
    body = response.body
    if body is None or body.success is not True:
        raise CloudError(
            operation=operation,
            region=region,
            code="OperationFailed",
            message="the service answered without Success=true",
            http_status=response.status_code,
            request_id=getattr(body, "request_id", None),
        )
