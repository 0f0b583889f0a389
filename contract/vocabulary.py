"""The small vocabulary of calls shared by the probes, the contract tests and check-account.

Values are valid on the emulator and on a real account: the test URL never resolves, the
events are catalogue names.
"""

from __future__ import annotations

from contract.target import TEST_URL as URL
from contract.target import Reply, Target

__all__ = ["EVENTS", "URL", "UnexpectedReplyError", "http", "ok", "stored"]

EVENTS = "FileUploadComplete,ProduceMediaComplete"


class UnexpectedReplyError(AssertionError):
    """A call a probe needs to succeed (a precondition) did not; the message names the outcome
    and the service's message (redacted by the target), never a request value."""


def ok(reply: Reply) -> Reply:
    """The reply is a success; returns it (else :class:`UnexpectedReplyError`)."""
    if not reply.ok:
        raise UnexpectedReplyError(
            f"expected success, got {reply.outcome}: {reply.body.get('Message', '')}"
        )
    return reply


def http(target: Target, **extra: str) -> Reply:
    """SetEventCallback of an HTTP callback to :data:`URL` plus ``extra``."""
    return target.set_callback(CallbackType="HTTP", CallbackURL=URL, **extra)


def stored(target: Target) -> dict[str, str]:
    """The region's non-empty callback fields (AuthKey as fingerprint)."""
    return {k: v for k, v in ok(target.get_callback()).callback().items() if v}
