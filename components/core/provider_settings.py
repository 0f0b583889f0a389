"""The ``ims`` provider's own settings: ``ims:emulator`` (and its environment override) and
``ims:retryAttempts``. The provider, the program and the drift check all read them here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import urlsplit

from components.core.schema_types import PACKAGE

EMULATOR_KEY = f"{PACKAGE}:emulator"
EMULATOR_ENV = "IMS_CALLBACKS_EMULATOR"
"""Overrides :data:`EMULATOR_KEY` (tests, benchmarks, the demo)."""
RETRY_ATTEMPTS_KEY = f"{PACKAGE}:retryAttempts"
"""Attempts per API call; the provider and the drift check both follow it (default 10)."""
MAX_RETRY_ATTEMPTS = 20
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_V = TypeVar("_V")


def emulator_setting(configured: _V, environ: Mapping[str, str]) -> _V | str:
    """The emulator in force: ``$IMS_CALLBACKS_EMULATOR`` if set, else ``configured``."""
    return environ.get(EMULATOR_ENV) or configured


def parse_emulator_url(value: str) -> str:
    """Validate an emulator address: ``http://<loopback>:<port>``; return it normalised.

    The message names the problem and the fix, never the value (a URL can carry a token).
    """
    fix = "use http://127.0.0.1:<port>, http://localhost:<port> or http://[::1]:<port>"
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"is not a valid address; {fix}") from None
    if (
        parts.scheme != "http"
        or parts.hostname not in LOOPBACK_HOSTS
        or port is None
        or parts.username is not None
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"must be a plain-HTTP loopback address with a port; {fix}")
    host = f"[{parts.hostname}]" if parts.hostname == "::1" else parts.hostname
    return f"http://{host}:{port}"


def retry_attempts(value: object) -> int | None:
    """``ims:retryAttempts`` as a number (None when unset); ValueError naming the fix if bad.

    The CLI hands the provider a string, a stack file holds a number or a string.
    """
    if value is None or value == "":
        return None
    text = str(value)
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_RETRY_ATTEMPTS:
        raise ValueError(
            f"{RETRY_ATTEMPTS_KEY} must be a whole number from 1 to {MAX_RETRY_ATTEMPTS}, got "
            f"{text!r}; fix it with `pulumi config set {RETRY_ATTEMPTS_KEY} 10`"
        )
    return int(text)
