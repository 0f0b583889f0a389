"""Short, non-reversible fingerprints of secrets, and redaction of secrets from text."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

_DOMAIN = b"ims-callbacks/auth-key\x00"
NONE_DISPLAY = "(none)"
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4
"""Shorter "secrets" are not redacted: replacing every ``x`` would garble the whole text."""


def fingerprint(secret: str) -> str:
    """Return ``sha256:<8 hex>`` for a secret, or ``(none)`` for the empty string.

    The first 32 bits of SHA-256 over a fixed domain prefix and the secret: short enough to
    read in a diff, and not reversible. It is unsalted and deterministic, so whoever sees it
    can confirm a *guessed* key offline; accepted keys have at least 8 mixed-class characters
    (generated ones are long and random), which makes guessing impractical. The prefix makes
    generic SHA-256 lookup tables useless. Comparisons use the keys, never fingerprints.
    """
    if not secret:
        return NONE_DISPLAY
    digest = hashlib.sha256(_DOMAIN + secret.encode("utf-8")).hexdigest()
    return f"sha256:{digest[:8]}"


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in ``text`` with ``[redacted]``.

    Longer secrets are replaced first so that a secret containing another is fully hidden.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def worth_redacting(secrets: Iterable[str]) -> list[str]:
    """The secrets of at least :data:`MIN_SECRET_LENGTH` characters."""
    return [s for s in secrets if len(s) >= MIN_SECRET_LENGTH]
