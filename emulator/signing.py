"""IMS HTTP callback signing: ``X-ICE-SIGNATURE = md5hex(CallbackURL|X-ICE-TIMESTAMP|AuthKey)``.

Source: https://help.aliyun.com/document_detail/610690.html (ice-api.md §3). Receivers use
``verify_callback``; the emulator signs its deliveries with ``sign_callback``.
"""

from __future__ import annotations

import hashlib
import hmac
import time

DEFAULT_WINDOW_SECONDS = 300


def sign_callback(url: str, timestamp: int, auth_key: str) -> str:
    """The 32-character lower-case hex MD5 of ``url|timestamp|auth_key``."""
    content = f"{url}|{timestamp}|{auth_key}".encode()
    return hashlib.md5(content).hexdigest()  # noqa: S324 - MD5 is the documented scheme


def verify_callback(
    url: str,
    timestamp: int | str,
    auth_key: str,
    signature: str,
    *,
    now: float | None = None,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
) -> bool:
    """True if ``signature`` matches and ``timestamp`` lies within ``window_seconds`` of now.

    ``url`` is the receiver's own configured callback URL, ``timestamp`` and ``signature``
    the ``X-ICE-TIMESTAMP`` / ``X-ICE-SIGNATURE`` header values.
    """
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > window_seconds:
        return False
    return hmac.compare_digest(sign_callback(url, ts, auth_key), signature.lower())
