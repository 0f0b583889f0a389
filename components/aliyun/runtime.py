"""Process-wide set-up for the SDK clients: one explicit call from each entry point."""

from __future__ import annotations

import logging
import sys

from components.aliyun.errors import redact

_state = {"prepared": False}


class _RedactRequestLines(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string included; RPC-style calls carry
    their parameters there (the AuthKey of SetEventCallback), so strip it before it is emitted.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


_REQUEST_LINES = _RedactRequestLines()


def prepare() -> None:
    """Redact urllib3's request lines and share TLS contexts across SDK sessions (idempotent).

    The SDK is imported at the first client, not here, so that an entry point starts without
    it: if it is not loaded yet, :func:`sdk_loaded` applies the TLS sharing then.
    """
    logging.getLogger("urllib3.connectionpool").addFilter(_REQUEST_LINES)
    _state["prepared"] = True
    if "darabonba.core" in sys.modules:
        sdk_loaded()


def sdk_loaded() -> None:
    """The SDK's HTTP core is imported: share its TLS contexts if :func:`prepare` asked to."""
    if _state["prepared"]:
        from components.aliyun import tls  # noqa: PLC0415 - it imports the SDK's HTTP core

        tls.install()
