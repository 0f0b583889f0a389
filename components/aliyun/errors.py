"""Errors raised by the aliyun layer, translated from SDK exceptions and redacted.

The official SDKs put the request URL (with every query parameter, e.g. ``AuthKey``) into
transport-error messages, and a server may echo parameters back in its ``Message``. Nothing
from an SDK exception reaches a ``CloudError`` without going through :func:`redact`, and
``CloudError`` is always raised ``from None`` so the original exception (and its chain) never
shows up in a traceback that Pulumi prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote

from components.core.fingerprint import REDACTED
from components.core.fingerprint import redact as redact_secrets

if TYPE_CHECKING:
    from darabonba.exceptions import ResponseException

RETRYABLE_CODES: frozenset[str] = frozenset(
    {"Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable"}
)
"""Error codes that are worth retrying, whatever the HTTP status."""

_MAX_MESSAGE = 300
_STRING_TO_SIGN = re.compile(r"(?is)\bstring[ -]?to[ -]?sign\b.*")
_QUERY = re.compile(r"\?[^\s'\"<>)]*")
_PARAM_LIST = re.compile(r"\b[A-Za-z][\w.-]*=[^&\s]*(?:&[A-Za-z][\w.-]*=[^&\s]*)+")
_SENSITIVE_PAIR = re.compile(
    r"(?i)\b(AuthKey|Signature|SecurityToken|AccessKeySecret|AccessKeyId|Authorization"
    r"|x-acs-security-token|x-acs-accesskey-id)(\s*[=:]\s*)('[^']*'|\"[^\"]*\"|[^\s&,;'\"]+)"
)


class CredentialError(Exception):
    """No usable credentials were found or they are incomplete (never contains a secret)."""


_PERMISSION_CODES = ("Forbidden", "NoPermission", "AccessDenied", "Unauthorized")
_CREDENTIAL_CODES = (
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSecurityToken",
    "IncompleteSignature",
)
_TRANSPORT_CODES = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Timeout",
    "SSLError",
    "ProxyError",
    "ChunkedEncodingError",
)


def fix_hint(operation: str, code: str, http_status: int | None, attempts: int) -> str:
    """What to do about a failed call, by its error code (one short clause)."""
    if code.startswith(_PERMISSION_CODES) or http_status == 403:
        return (
            f"allow `{operation}` for the deploying identity "
            "(the RAM policy in docs/deployer-policy.json)"
        )
    if code.startswith(_CREDENTIAL_CODES):
        return (
            "check the AccessKey or role the credential chain found: `pulumi config set --secret"
            " ims:accessKey <key id>` and `pulumi config set --secret ims:secretKey <secret>`,"
            " or env ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET (README,"
            " Secrets; after changing ims: settings run `pulumi up --refresh=false` once)"
        )
    if code.startswith("Throttling") or http_status == 429:
        return f"still throttled after {attempts} attempts; run again later"
    if code in RETRYABLE_CODES or (http_status is not None and http_status >= 500):
        return f"the service kept failing for {attempts} attempts; run again later"
    if code.startswith(_TRANSPORT_CODES):
        return "check the network, proxy and endpoint (ims:emulator when testing locally)"
    return "see the message; docs/reliability.md lists the known failures"


class CloudError(Exception):
    """A failed cloud call: what, where, code/status/RequestId, a redacted message and a fix.

    ``str()`` is one line, e.g. ``ice:SetEventCallback in cn-beijing failed: Forbidden.RAM
    (HTTP 403, RequestId 5E1B...): You are not authorized to do this action. Fix: allow
    `ice:SetEventCallback` for the deploying identity (...)``.
    """

    def __init__(
        self,
        *,
        operation: str,
        region: str,
        code: str,
        message: str,
        http_status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        attempts: int = 1,
    ) -> None:
        self.operation = operation
        self.region = region
        self.code = code
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.retryable = retryable
        self.attempts = attempts
        super().__init__(str(self))

    def __str__(self) -> str:
        details = []
        if self.http_status is not None:
            details.append(f"HTTP {self.http_status}")
        if self.request_id:
            details.append(f"RequestId {self.request_id}")
        if self.attempts > 1:
            details.append(f"{self.attempts} attempts")
        suffix = f" ({', '.join(details)})" if details else ""
        text = f"{self.operation} in {self.region} failed: {self.code}{suffix}"
        text = f"{text}: {self.message}" if self.message else text
        hint = fix_hint(self.operation, self.code, self.http_status, self.attempts)
        return f"{text.rstrip('. ')}. Fix: {hint}."


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove secret values (also URL-encoded), URL query strings and sensitive ``name=value``.

    A quoted string to sign (the real ``SignatureDoesNotMatch`` message carries one, with every
    request parameter) and any ``a=1&b=2`` parameter list are cut as well. The result is at
    most a few hundred characters: enough for a human, too short to carry a dumped request.
    """
    secrets = [s for s in secrets if s]
    text = redact_secrets(text, [*secrets, *(quote(s, safe="") for s in secrets)])
    text = _STRING_TO_SIGN.sub(f"string to sign: {REDACTED}", text)
    text = _QUERY.sub(f"?{REDACTED}", text)
    text = _PARAM_LIST.sub(f"{REDACTED} parameters", text)
    text = _SENSITIVE_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def failure_line(exc: Exception, secrets: Iterable[str] = ()) -> str:
    """One line to show for a failed call, with ``secrets`` hidden: a :class:`CloudError` as
    it reads (redacted already, its fix kept), anything else redacted as SDK text is."""
    if isinstance(exc, CloudError):
        return redact_secrets(str(exc), secrets)
    return redact(f"{type(exc).__name__}: {exc}", secrets)


def _transport_cause(exc: BaseException) -> BaseException | None:
    """The requests-level exception behind an SDK transport failure, if that is what ``exc`` is.

    The SDK turns an ``IOError`` from requests into ``RetryError(str(e))`` inside the ``except``
    block, so the original is the implicit ``__context__``; then it wraps that in
    ``UnretryableException.inner_exception``.
    """
    import requests  # noqa: PLC0415 - see _response_error

    transport = (
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        requests.exceptions.ChunkedEncodingError,
    )
    inner = _inner(exc)
    candidates = (inner, getattr(inner, "__context__", None), getattr(inner, "__cause__", None))
    for candidate in candidates:
        if isinstance(candidate, transport):
            return candidate
    return None


def _inner(exc: BaseException) -> BaseException:
    """The exception an SDK ``UnretryableException`` wraps, else ``exc`` itself."""
    from Tea.exceptions import UnretryableException  # noqa: PLC0415 - see _response_error

    return exc.inner_exception if isinstance(exc, UnretryableException) else exc


def _response_error(exc: BaseException) -> ResponseException | None:
    """``exc`` if the service answered with an error.

    The SDK modules are imported here, on the first failure, not with this module: the
    ``ims`` provider plugin imports these errors at start-up and starts without the SDK. By
    the time an SDK exception exists, the SDK is loaded.
    """
    from darabonba.exceptions import ResponseException  # noqa: PLC0415

    return exc if isinstance(exc, ResponseException) else None


def _root_message(exc: BaseException) -> str:
    """The words of a requests/urllib3 failure without its wrappers' repeated reprs.

    ``requests.ConnectionError(MaxRetryError(reason=ProxyError("Unable to connect to proxy",
    NewConnectionError("...: [Errno 111] Connection refused"))))`` reads ``Unable to connect to
    proxy: ...: [Errno 111] Connection refused``: the text of every level that wraps its cause
    in its arguments, and the innermost exception's own text. A level that names its cause as
    ``reason`` (MaxRetryError) only repeats it, so its text is skipped.
    """
    parts: list[str] = []
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        reason = getattr(exc, "reason", None)
        child = next((a for a in reversed(exc.args) if isinstance(a, BaseException)), None)
        if isinstance(reason, BaseException):
            exc = reason
        elif child is not None:
            parts.extend(str(a) for a in exc.args if isinstance(a, str))
            exc = child
        else:
            break
    parts.append(str(exc))
    return ": ".join(p for p in parts if p)


def is_retryable(exc: BaseException) -> bool:
    """True for throttling, ServiceUnavailable, HTTP 5xx/429 and connection resets/timeouts.

    TLS failures (certificate verification) are not retried: they do not heal by waiting.
    Everything else (InvalidParameter, Forbidden.RAM, SignatureDoesNotMatch, ...) is final.
    """
    import requests  # noqa: PLC0415 - see _response_error

    if (response := _response_error(exc)) is not None:
        status = response.status_code
        return response.code in RETRYABLE_CODES or (
            status is not None and (status >= 500 or status == 429)
        )
    cause = _transport_cause(exc)
    return cause is not None and not isinstance(cause, requests.exceptions.SSLError)


def to_cloud_error(
    exc: BaseException,
    *,
    operation: str,
    region: str,
    attempts: int,
    secrets: Iterable[str] = (),
) -> CloudError:
    """Translate any exception from an SDK call into a redacted :class:`CloudError`."""
    secrets = tuple(secrets)
    retryable = is_retryable(exc)
    if (response := _response_error(exc)) is not None:
        data = response.data if isinstance(response.data, dict) else {}
        raw = data.get("Message") or data.get("message") or response.message or ""
        request_id = getattr(response, "request_id", None) or data.get("RequestId")
        return CloudError(
            operation=operation,
            region=region,
            code=str(response.code or "Unknown"),
            message=redact(str(raw), secrets),
            http_status=response.status_code,
            request_id=str(request_id) if request_id and request_id != "None" else None,
            retryable=retryable,
            attempts=attempts,
        )
    cause = _transport_cause(exc)
    if cause is not None:
        code, raw = type(cause).__name__, _root_message(cause)
    else:
        from Tea.exceptions import TeaException  # noqa: PLC0415 - see _response_error

        inner = _inner(exc)
        code = type(inner).__name__
        raw = str(inner.message) if isinstance(inner, TeaException) else str(inner)
    return CloudError(
        operation=operation,
        region=region,
        code=code,
        message=redact(raw, secrets),
        retryable=retryable,
        attempts=attempts,
    )
