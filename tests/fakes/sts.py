"""A loopback stand-in for Alibaba Cloud STS that answers AssumeRoleWithOIDC.

It speaks the RPC style of the real service: the parameters may come in the query string
(``alibabacloud_sts20150401`` puts them all there) or in a form body, on POST or GET; the answer
is the real JSON shape (``RequestId``, ``Credentials``, ``AssumedRoleUser``, ``OIDCTokenInfo``)
or an error ``{"RequestId", "Code", "Message"}`` with an HTTP 4xx status. Every request is
recorded in :attr:`StsDouble.calls`.

    with StsDouble({ROLE: RoleCredentials("STS.id", "secret", "token")}, tokens={jwt}) as sts:
        env["ALIBABA_CLOUD_STS_ENDPOINT"] = sts.url   # http://127.0.0.1:<port>
        ...
        assert sts.calls[0].params["RoleArn"] == ROLE

What it checks, in this order (first failure answers): Action (``InvalidAction.NotFound``,
404), the required parameters (``MissingParameter``), DurationSeconds 900..43200 and the session
name (``InvalidParameter.DurationSeconds`` / ``InvalidParameter.RoleSessionName``), the provider
ARN if ``providers`` is given (``EntityNotExist.OIDCProvider``, 404), the role
(``EntityNotExist.Role``, 404), the token (``AuthenticationFail.OIDCToken.Invalid``), then the
``validator`` callback, which may refuse with any :class:`StsRefusal`.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import socket
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

ACTION = "AssumeRoleWithOIDC"
REQUIRED = ("RoleArn", "OIDCProviderArn", "OIDCToken", "RoleSessionName")
MIN_DURATION = 900
MAX_DURATION = 43200
SESSION_NAME = re.compile(r"^[\w.@-]{2,64}$")
ROLE_ARN = re.compile(r"^acs:ram::(?P<account>\d+):role/(?P<name>.+)$")


@dataclass(frozen=True)
class RoleCredentials:
    """The temporary credentials the double hands out for one role."""

    access_key_id: str
    access_key_secret: str
    security_token: str


@dataclass(frozen=True)
class StsRefusal:
    """An error answer: HTTP ``status`` with ``{"Code": code, "Message": message}``."""

    code: str
    message: str
    status: int = 400


@dataclass(frozen=True)
class StsCall:
    """One request as the double saw it."""

    method: str
    path: str
    query: dict[str, str]
    """The query-string parameters."""
    form: dict[str, str]
    """The ``application/x-www-form-urlencoded`` body parameters (empty without a form body)."""
    headers: dict[str, str]
    """The request headers, names in lower case."""

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters together (the form wins on a clash, as in the service)."""
        return {**self.query, **self.form}


Validator = Callable[[StsCall], StsRefusal | None]
"""Called for a request that passed the built-in checks; a refusal is answered as is."""


def _claims(token: str) -> dict[str, Any]:
    """The unverified payload of a JWT, or ``{}`` (the double accepts opaque tokens too)."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class StsDouble:
    """A threaded HTTP server on loopback that answers AssumeRoleWithOIDC.

    ``roles`` maps role ARNs to the credentials handed out for them. ``tokens``: the accepted
    OIDC tokens (``None``: any non-empty token). ``providers``: the accepted OIDC provider ARNs
    (``None``: any). ``validator``: a last check of each request. ``host`` may be ``127.0.0.1``,
    ``::1`` or ``localhost``; ``port`` 0 picks a free one.
    """

    roles: Mapping[str, RoleCredentials]
    tokens: set[str] | None = None
    providers: set[str] | None = None
    validator: Validator | None = None
    host: str = "127.0.0.1"
    port: int = 0
    _calls: list[StsCall] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.tokens is not None:
            self.tokens = set(self.tokens)
        if self.providers is not None:
            self.providers = set(self.providers)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving in a daemon thread (idempotent); returns ``self``."""
        if self._server is not None:
            return self
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                double._handle(self)

            def do_GET(self) -> None:
                double._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer
        if ":" in self.host:

            class V6Server(ThreadingHTTPServer):
                address_family = socket.AF_INET6

            server_class = V6Server
        self._server = server_class((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sts-double", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests look at -----------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """``host:port`` (an IPv6 host in brackets), without a scheme."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://host:port``: the value for ``ALIBABA_CLOUD_STS_ENDPOINT`` / ``sts-endpoint``."""
        if self._server is None:
            raise RuntimeError("StsDouble.url before start()")
        return f"http://{self.endpoint}"

    @property
    def calls(self) -> list[StsCall]:
        """Every request so far, oldest first (a copy)."""
        with self._lock:
            return list(self._calls)

    def accept_tokens(self, tokens: Iterable[str]) -> None:
        """Accept these OIDC tokens too (switches from "any token" to a list if needed)."""
        with self._lock:
            self.tokens = (self.tokens or set()) | set(tokens)

    # --- the service ------------------------------------------------------------------------

    def answer(self, call: StsCall) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body for ``call`` (no I/O; usable without a server)."""
        request_id = str(uuid.uuid4()).upper()
        outcome = self._check(call)
        if isinstance(outcome, StsRefusal):
            body = {"RequestId": request_id, "Code": outcome.code, "Message": outcome.message}
            return outcome.status, body
        params = call.params
        creds, seconds = outcome
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        session = params["RoleSessionName"]
        match = ROLE_ARN.match(params["RoleArn"])
        account, role = (match["account"], match["name"]) if match else ("0", "role")
        claims = _claims(params["OIDCToken"])
        aud = claims.get("aud", [])
        issued = claims.get("iat")
        expires = claims.get("exp")
        return 200, {
            "RequestId": request_id,
            "Credentials": {
                "AccessKeyId": creds.access_key_id,
                "AccessKeySecret": creds.access_key_secret,
                "SecurityToken": creds.security_token,
                "Expiration": _iso(now + datetime.timedelta(seconds=seconds)),
            },
            "AssumedRoleUser": {
                "Arn": f"acs:ram::{account}:assumed-role/{role}/{session}",
                "AssumedRoleId": f"3{uuid.uuid4().int % 10**17:017d}:{session}",
            },
            "OIDCTokenInfo": {
                "Subject": str(claims.get("sub", "")),
                "Issuer": str(claims.get("iss", "")),
                "ClientIds": ",".join(aud) if isinstance(aud, list) else str(aud),
                "IssuanceTime": _iso(datetime.datetime.fromtimestamp(issued, datetime.UTC))
                if isinstance(issued, int)
                else _iso(now),
                "ExpirationTime": _iso(datetime.datetime.fromtimestamp(expires, datetime.UTC))
                if isinstance(expires, int)
                else _iso(now + datetime.timedelta(minutes=5)),
                "VerificationInfo": "Success",
            },
        }

    def _check(self, call: StsCall) -> StsRefusal | tuple[RoleCredentials, int]:
        """The first refusal for ``call``, or the role's credentials and the duration."""
        refusal = next(self._refusals(call), None)
        if refusal is not None:
            return refusal
        params = call.params
        return self.roles[params["RoleArn"]], int(params.get("DurationSeconds") or 3600)

    def _refusals(self, call: StsCall) -> Iterator[StsRefusal]:
        """Every check in order, lazily: the caller stops at the first refusal."""
        params = call.params
        if params.get("Action") != ACTION:
            yield StsRefusal(
                "InvalidAction.NotFound",
                f"Specified api {params.get('Action')!r} is not found (the double answers "
                f"{ACTION} only).",
                404,
            )
        for name in REQUIRED:
            if not params.get(name):
                yield StsRefusal("MissingParameter", f"{name} is mandatory for this action.")
        raw = params.get("DurationSeconds") or "3600"
        if not raw.isdigit() or not MIN_DURATION <= int(raw) <= MAX_DURATION:
            yield StsRefusal(
                "InvalidParameter.DurationSeconds",
                f"DurationSeconds must be between {MIN_DURATION} and {MAX_DURATION}.",
            )
        if not SESSION_NAME.match(params["RoleSessionName"]):
            yield StsRefusal(
                "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrong."
            )
        with self._lock:
            tokens = None if self.tokens is None else set(self.tokens)
            providers = None if self.providers is None else set(self.providers)
        if providers is not None and params["OIDCProviderArn"] not in providers:
            yield StsRefusal(
                "EntityNotExist.OIDCProvider", "The specified OIDC provider does not exist.", 404
            )
        if params["RoleArn"] not in self.roles:
            yield StsRefusal("EntityNotExist.Role", "The specified Role not exists .", 404)
        if tokens is not None and params["OIDCToken"] not in tokens:
            yield StsRefusal(
                "AuthenticationFail.OIDCToken.Invalid", "The OIDC token is invalid or expired."
            )
        if self.validator is not None:
            refusal = self.validator(call)
            if refusal is not None:
                yield refusal

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = (handler.headers.get("Content-Type") or "").split(";")[0].strip()
        form = (
            dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            if content_type == "application/x-www-form-urlencoded"
            else {}
        )
        call = StsCall(
            method=handler.command,
            path=url.path,
            query=dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
            form=form,
            headers={name.lower(): value for name, value in handler.headers.items()},
        )
        with self._lock:
            self._calls.append(call)
        status, body = self.answer(call)
        data = json.dumps(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
