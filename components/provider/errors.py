"""Errors the provider shows to the user as they are: one line, no traceback."""

from __future__ import annotations

from components.aliyun.endpoints import TransportError
from components.aliyun.errors import CloudError, CredentialError


class ResourceError(Exception):
    """A refusal or a problem the user must fix (the message says how)."""


USER_ERRORS: tuple[type[Exception], ...] = (
    CloudError,
    CredentialError,
    TransportError,
    ResourceError,
)
"""Exceptions whose text is the whole message; anything else is a bug and keeps its trace."""


def user_error(exc: BaseException) -> Exception | None:
    """The user-facing error behind ``exc`` (the SDK re-raises ours as its ``__context__``)."""
    for candidate in (exc, exc.__context__, exc.__cause__):
        if isinstance(candidate, USER_ERRORS):
            return candidate
    return None
