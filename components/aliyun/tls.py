"""One TLS context per (protocol, minimum TLS version) for every SDK session in the process,
built exactly as darabonba builds one (why: docs/sdk-clients.md). :func:`install` patches a
function of the pinned ``darabonba-core``; tests/aliyun/test_tls.py guards its shape."""

from __future__ import annotations

import functools
import ssl
import threading

import certifi
from darabonba import core

_lock = threading.Lock()


@functools.cache
def shared_context(https: bool, tls_min_version: str | None) -> ssl.SSLContext:
    """The context darabonba would build for this protocol, built once and then reused."""
    context = ssl.create_default_context()
    if https:
        core.DaraCore._set_tls_minimum_version(context, tls_min_version)
        context.load_verify_locations(certifi.where())
    return context


def _get_adapter(
    prefix: str, tls_min_version: str | None = None, pool_size: int | None = None
) -> core._TLSAdapter:
    pool_maxsize = pool_size if pool_size and pool_size > 0 else core.DEFAULT_POOL_MAXSIZE
    with _lock:  # functools.cache may run the builder twice under a race; build once
        context = shared_context(prefix.upper() == "HTTPS", tls_min_version)
    return core._TLSAdapter(
        ssl_context=context, pool_connections=core.DEFAULT_POOL_SIZE, pool_maxsize=pool_maxsize
    )


def install() -> None:
    """Make every new darabonba session share the contexts above (idempotent)."""
    core.DaraCore.get_adapter = staticmethod(_get_adapter)
