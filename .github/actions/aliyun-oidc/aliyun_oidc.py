"""GitHub Actions -> Alibaba Cloud by OIDC role assumption, without long-lived keys.

Two subcommands (docs/pipelines.md explains the set-up on both sides):

``token``
    Requests the job's GitHub OIDC token for the audience ``sts.aliyuncs.com`` (the job needs
    ``permissions: id-token: write``), writes it to a file readable only by the runner user,
    masks it in the log, and exports ``ALIBABA_CLOUD_ROLE_ARN``,
    ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN``, ``ALIBABA_CLOUD_OIDC_TOKEN_FILE`` and
    ``ALIBABA_CLOUD_ROLE_SESSION_NAME`` through ``$GITHUB_ENV``. The project's credential chain
    (components/aliyun/credentials.py; its sources in order: docs/sdk-clients.md) reads exactly
    these, so the drift check assumes the role itself and refreshes the credentials as needed.
    With the action input ``sts-endpoint`` it also exports ``ALIBABA_CLOUD_STS_ENDPOINT``.

``run [--output FILE] [--state-credentials auto|never] -- COMMAND...``
    For ``pulumi`` commands. The bridged ``alicloud`` provider (the RAM grant) does not read
    those three variables unless the program configures ``assumeRoleWithOidc``, so this
    exchanges the token for STS credentials once (AssumeRoleWithOIDC) and runs COMMAND with
    ``ALICLOUD_ACCESS_KEY`` / ``ALICLOUD_SECRET_KEY`` / ``ALICLOUD_SECURITY_TOKEN`` set for that
    process only (never written to ``$GITHUB_ENV``). The ``ims`` provider (callback settings,
    MNS queues) takes the same credentials: source 2 of the chain comes before the OIDC
    variables. With a ``s3://`` ``PULUMI_BACKEND_URL`` (an OSS bucket through its
    S3-compatible API) and no ``AWS_ACCESS_KEY_ID`` of its own, the same STS credentials are
    given to the state backend as ``AWS_*``. COMMAND's output (stdout and stderr, merged) is
    streamed with every known secret replaced by ``[redacted]`` and, with ``--output``, also
    written to FILE. The exit code is COMMAND's.

STS endpoint (``run``): ``ALIBABA_CLOUD_STS_ENDPOINT`` (set from the action input
``sts-endpoint``), an STS endpoint, e.g. ``sts-vpc.cn-shanghai.aliyuncs.com`` inside a VPC; a
host means https, a URL may be ``https://host[:port]``, and ``http://`` is accepted only for a
loopback test double (``http://127.0.0.1:<port>``, ``::1``, ``localhost``). Unset:
``sts.<region>.aliyuncs.com`` with ``ALIBABA_CLOUD_STS_REGION`` (``sts-vpc.`` with
``ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true``), as alibabacloud_credentials does, else
``sts.aliyuncs.com``.

Only the standard library is needed for ``token``; ``run`` needs the STS SDK
``alibabacloud_sts20150401`` (requirements.txt).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import ipaddress
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DEFAULT_AUDIENCE = "sts.aliyuncs.com"
DEFAULT_SESSION_SECONDS = 3600
DEFAULT_STS_ENDPOINT = "sts.aliyuncs.com"
STS_ENDPOINT_ENV = "ALIBABA_CLOUD_STS_ENDPOINT"
STS_ENDPOINT_INPUT = "sts-endpoint"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
"""The only hosts an ``http://`` STS endpoint may name (a test double on this machine)."""
STS_CONNECT_TIMEOUT_MS = 10_000
STS_READ_TIMEOUT_MS = 30_000
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4
"""Shorter values are not redacted (they would mangle unrelated text); secrets are longer."""

ROLE_ARN = re.compile(r"^acs:ram::\d+:role/[\w.@+=,-]+$")
PROVIDER_ARN = re.compile(r"^acs:ram::\d+:oidc-provider/[\w.@+=,-]+$")
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
REGION = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ERROR_CODE = re.compile(r"^[A-Za-z0-9][\w.:-]{0,127}$")
"""What an STS error code looks like (``AuthenticationFail.OIDCToken.Invalid``); anything else
in that field is not printed."""
SECRET_ENV = (
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_ACCESS_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "ALICLOUD_SECRET_KEY",
    "ALICLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
)
"""Environment variables whose values never appear in ``run``'s output."""


class OidcError(Exception):
    """A problem the user can fix; printed as a GitHub ``::error::`` annotation."""


@dataclass(frozen=True)
class StsCredentials:
    """Temporary credentials from AssumeRoleWithOIDC."""

    access_key_id: str
    access_key_secret: str
    security_token: str


@dataclass(frozen=True)
class StsEndpoint:
    """Where AssumeRoleWithOIDC goes: ``protocol`` (https, or http for loopback) and ``host``
    (with ``:port`` if one was given; an IPv6 address in brackets), as the SDK's Config takes
    them."""

    protocol: str
    host: str

    @property
    def url(self) -> str:
        """``protocol://host[:port]``, for messages."""
        return f"{self.protocol}://{self.host}"


def _error(message: str) -> None:
    # One line per annotation: GitHub ends a workflow command at the newline.
    for line in message.splitlines() or [""]:
        print(f"::error::{line}", flush=True)


def mask(value: str, out: IO[str] | None = None) -> None:
    """Ask the runner to mask ``value`` in every later log line."""
    stream = out or sys.stdout
    for line in value.splitlines():
        if line.strip():
            stream.write(f"::add-mask::{line}\n")
    stream.flush()


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every known secret (longest first) with ``[redacted]``."""
    for secret in sorted(
        {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
    ):
        text = text.replace(secret, REDACTED)
    return text


def _env_line(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise OidcError(f"{name} must be a single line")
    return f"{name}={value}\n"


def _claims(token: str) -> dict[str, object]:
    """The (unverified) JWT payload, only to print the claims a trust policy matches."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_host(host: str) -> bool:
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return True
    return len(host) <= 253 and bool(HOSTNAME.match(host))


def parse_sts_endpoint(value: str, source: str = STS_ENDPOINT_INPUT) -> StsEndpoint:
    """An STS endpoint from a host (https) or a URL ``https://host[:port]`` /
    ``http://<loopback>:port``; ``source`` names the setting in the error."""
    text = value.strip()
    usage = (
        f"{source} {text!r} is not an STS endpoint: give a host such as "
        "sts-vpc.cn-shanghai.aliyuncs.com (https) or a URL https://host[:port] "
        "(http:// only for a loopback test double, e.g. http://127.0.0.1:8080)"
    )
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http"):
            raise OidcError(usage)
    else:
        parts = urllib.parse.urlsplit(f"https://{text}")
        scheme = "https"
    try:
        port = parts.port
    except ValueError:
        raise OidcError(usage) from None
    host = parts.hostname or ""
    extra = parts.username or parts.password or parts.query or parts.fragment
    if extra or parts.path not in ("", "/") or not _is_host(host):
        raise OidcError(usage)
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        raise OidcError(
            f"{source} {text!r}: plain http:// is accepted only for a loopback test double "
            f"({', '.join(sorted(LOOPBACK_HOSTS))}); use https://{parts.netloc} or just the "
            f"host {host}"
        )
    netloc = f"[{host}]" if ":" in host else host
    return StsEndpoint(scheme, f"{netloc}:{port}" if port is not None else netloc)


def sts_endpoint(env: Mapping[str, str]) -> StsEndpoint:
    """The STS endpoint of ``run``: ``ALIBABA_CLOUD_STS_ENDPOINT``, else the regional one of
    ``ALIBABA_CLOUD_STS_REGION`` (``sts-vpc`` with ``ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true``),
    else ``sts.aliyuncs.com``; always https except for a loopback test double."""
    value = env.get(STS_ENDPOINT_ENV, "").strip()
    if value:
        return parse_sts_endpoint(value, STS_ENDPOINT_ENV)
    region = env.get("ALIBABA_CLOUD_STS_REGION", "").strip()
    if not region:
        return StsEndpoint("https", DEFAULT_STS_ENDPOINT)
    if not REGION.match(region):
        raise OidcError(
            f"ALIBABA_CLOUD_STS_REGION {region!r} is not a region ID (e.g. cn-shanghai)"
        )
    vpc = env.get("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "").strip().lower() == "true"
    return StsEndpoint("https", f"{'sts-vpc' if vpc else 'sts'}.{region}.aliyuncs.com")


def request_token(env: Mapping[str, str], audience: str, timeout: float = 30.0) -> str:
    """The job's GitHub OIDC token for ``audience`` (GET on ACTIONS_ID_TOKEN_REQUEST_URL)."""
    url = env.get("ACTIONS_ID_TOKEN_REQUEST_URL", "")
    bearer = env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
    if not url or not bearer:
        raise OidcError(
            "no GitHub OIDC token can be requested in this job: give the job "
            "`permissions: id-token: write` (pull requests from forks never get one)"
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise OidcError("ACTIONS_ID_TOKEN_REQUEST_URL is not an http(s) URL")
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k != "audience"] + [("audience", audience)]
    full = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        full,
        headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        raise OidcError(f"the GitHub OIDC token request failed: HTTP {err.code}") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as err:
        raise OidcError(f"the GitHub OIDC token request failed: {type(err).__name__}") from None
    token = body.get("value") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise OidcError("the GitHub OIDC token response has no token")
    return token


def write_token(path: Path, token: str) -> None:
    """Write the token so that only the runner user can read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token)
    path.chmod(0o600)


def cmd_token(env: Mapping[str, str], out: IO[str]) -> int:
    """The ``token`` subcommand."""
    role_arn = env.get("INPUT_ROLE_ARN", "").strip()
    provider_arn = env.get("INPUT_OIDC_PROVIDER_ARN", "").strip()
    audience = env.get("INPUT_AUDIENCE", "").strip() or DEFAULT_AUDIENCE
    session = env.get("INPUT_SESSION_NAME", "").strip() or (
        f"gha-{env.get('GITHUB_RUN_ID', 'local')}-{env.get('GITHUB_RUN_ATTEMPT', '1')}"
    )
    endpoint = env.get("INPUT_STS_ENDPOINT", "").strip()
    problems = []
    if not ROLE_ARN.match(role_arn):
        problems.append(
            f"role-arn {role_arn!r} is not a RAM role ARN (acs:ram::<account>:role/<name>); "
            "set the variable ALIYUN_ROLE_ARN on this job's GitHub environment"
        )
    if not PROVIDER_ARN.match(provider_arn):
        problems.append(
            f"oidc-provider-arn {provider_arn!r} is not a RAM OIDC provider ARN "
            "(acs:ram::<account>:oidc-provider/<name>); set the variable "
            "ALIYUN_OIDC_PROVIDER_ARN on this job's GitHub environment"
        )
    if endpoint:
        try:
            parse_sts_endpoint(endpoint, STS_ENDPOINT_INPUT)
        except OidcError as err:
            problems.append(str(err))
    if problems:
        raise OidcError("\n".join(problems))
    env_file = env.get("GITHUB_ENV", "")
    if not env_file:
        raise OidcError("GITHUB_ENV is not set (this runs inside a GitHub Actions job)")
    token = request_token(env, audience)
    mask(token, out)
    token_file = Path(env.get("RUNNER_TEMP") or "/tmp") / "aliyun-oidc" / "token"  # noqa: S108
    write_token(token_file, token)
    lines = [
        _env_line("ALIBABA_CLOUD_ROLE_ARN", role_arn),
        _env_line("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", provider_arn),
        _env_line("ALIBABA_CLOUD_OIDC_TOKEN_FILE", str(token_file)),
        _env_line("ALIBABA_CLOUD_ROLE_SESSION_NAME", session),
        _env_line("ALIBABA_CLOUD_OIDC_AUDIENCE", audience),
    ]
    if endpoint:
        lines.append(_env_line(STS_ENDPOINT_ENV, endpoint))
    with open(env_file, "a", encoding="utf-8") as handle:
        handle.writelines(lines)
    claims = _claims(token)
    shown = ", ".join(
        f"{key}={claims[key]}" for key in ("sub", "aud", "iss", "environment") if key in claims
    )
    out.write(f"GitHub OIDC token written to {token_file} ({shown or 'claims unreadable'})\n")
    via = f", STS {parse_sts_endpoint(endpoint).url}" if endpoint else ""
    out.write(f"role {role_arn} via {provider_arn}, session {session}{via}\n")
    out.flush()
    return 0


_FAILURES = (
    ("as json format", "the answer is not STS JSON (a wrong endpoint or a proxy?)"),
    ("NameResolution", "the host name does not resolve"),
    ("Name or service not known", "the host name does not resolve"),
    ("Connection refused", "connection refused"),
    ("timed out", "timed out"),
    ("SSLError", "TLS failed (certificate or protocol)"),
)
"""Markers in the SDK's error text (never printed) and what they mean; the text also holds the
request URL, so every marker has a character base64url tokens lack, or is longer than chance."""


def _failure(err: Exception) -> str:
    """What went wrong, in words of our own: darabonba wraps connection errors in a RetryError
    whose text quotes the request URL, the OIDC token included."""
    cause = getattr(err, "inner_exception", None) or err
    text = str(cause)
    for marker, words in _FAILURES:
        if marker in text:
            return words
    if isinstance(cause, ValueError):
        return "the answer is not STS JSON (a wrong endpoint or a proxy?)"
    return f"no usable answer ({type(cause).__name__})"


def exchange_credentials(env: Mapping[str, str]) -> StsCredentials:
    """AssumeRoleWithOIDC with the token file named in ``env`` (one anonymous STS call to
    :func:`sts_endpoint`)."""
    names = (
        "ALIBABA_CLOUD_ROLE_ARN",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    )
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise OidcError(
            f"{', '.join(missing)} not set: run the ./.github/actions/aliyun-oidc action first"
        )
    endpoint = sts_endpoint(env)
    raw_seconds = env.get("ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION") or str(DEFAULT_SESSION_SECONDS)
    try:
        seconds = int(raw_seconds)
    except ValueError:
        raise OidcError(
            f"ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION {raw_seconds!r} is not a number of seconds"
        ) from None
    try:
        token = Path(env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]).read_text(encoding="utf-8").strip()
    except OSError as err:
        raise OidcError(
            f"cannot read ALIBABA_CLOUD_OIDC_TOKEN_FILE: {err.strerror}; run the "
            "./.github/actions/aliyun-oidc action first"
        ) from None
    if not token:
        raise OidcError("ALIBABA_CLOUD_OIDC_TOKEN_FILE is empty")

    # Only `run` needs the SDK; `token` runs on the standard library.
    from alibabacloud_sts20150401 import models as sts_models  # noqa: PLC0415
    from alibabacloud_sts20150401.client import (  # noqa: PLC0415
        Client as StsClient,
    )
    from alibabacloud_tea_openapi.exceptions import (  # noqa: PLC0415
        AlibabaCloudException,
    )
    from alibabacloud_tea_openapi.models import Config  # noqa: PLC0415

    # No AccessKey in the Config: AssumeRoleWithOIDC is an anonymous call (the SDK's auth_type
    # "Anonymous" neither signs it nor looks for credentials).
    client = StsClient(
        Config(
            endpoint=endpoint.host,
            protocol=endpoint.protocol,
            region_id=env.get("ALIBABA_CLOUD_STS_REGION") or None,
            connect_timeout=STS_CONNECT_TIMEOUT_MS,
            read_timeout=STS_READ_TIMEOUT_MS,
        )
    )
    request = sts_models.AssumeRoleWithOIDCRequest(
        role_arn=env["ALIBABA_CLOUD_ROLE_ARN"],
        oidcprovider_arn=env["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"],
        oidctoken=token,
        role_session_name=env.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or "ims-callbacks",
        duration_seconds=seconds,
    )
    trust = (
        "check the role's trust policy (oidc:sub / oidc:aud) against the token claims printed "
        "by the aliyun-oidc step"
    )
    # Never print an SDK message: the token travels in the request, and the SDK quotes the
    # request URL in connection errors. Only the error code, the HTTP status and the request ID.
    try:
        response = client.assume_role_with_oidc(request)
    except AlibabaCloudException as err:
        code = str(getattr(err, "code", "") or "")
        shown = code if ERROR_CODE.match(code) and code != "None" else "no error code"
        request_id = str(getattr(err, "request_id", "") or "")
        rid = f", request ID {request_id}" if ERROR_CODE.match(request_id) else ""
        raise OidcError(
            f"AssumeRoleWithOIDC at {endpoint.url} was refused: {shown} "
            f"(HTTP {getattr(err, 'status_code', '?')}{rid}); {trust}"
        ) from None
    except Exception as err:  # connection problems, unreadable answers
        raise OidcError(
            f"AssumeRoleWithOIDC at {endpoint.url} failed: {_failure(err)}; check the "
            f"{STS_ENDPOINT_INPUT} input ({STS_ENDPOINT_ENV}) and the runner's network"
        ) from None
    body = response.body
    creds = body.credentials if body is not None else None
    values = (
        (creds.access_key_id, creds.access_key_secret, creds.security_token)
        if creds is not None
        else ("", "", "")
    )
    if not all(isinstance(v, str) and v for v in values):
        raise OidcError(f"AssumeRoleWithOIDC at {endpoint.url} returned no credentials")
    return StsCredentials(*values)


def refresh_token(env: Mapping[str, str]) -> None:
    """Re-request the OIDC token right before use (tokens live only minutes), if possible."""
    token_file = env.get("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "")
    if not token_file or not env.get("ACTIONS_ID_TOKEN_REQUEST_URL"):
        return
    token = request_token(env, env.get("ALIBABA_CLOUD_OIDC_AUDIENCE") or DEFAULT_AUDIENCE)
    mask(token)
    write_token(Path(token_file), token)


def child_env(
    env: Mapping[str, str], creds: StsCredentials, state_credentials: str
) -> dict[str, str]:
    """The environment of COMMAND: STS credentials for alicloud (and the OSS state backend)."""
    result = dict(env)
    result.update(
        ALICLOUD_ACCESS_KEY=creds.access_key_id,
        ALICLOUD_SECRET_KEY=creds.access_key_secret,
        ALICLOUD_SECURITY_TOKEN=creds.security_token,
    )
    backend = env.get("PULUMI_BACKEND_URL", "")
    if (
        state_credentials == "auto"
        and backend.startswith("s3://")
        and not env.get("AWS_ACCESS_KEY_ID")
    ):
        result.update(
            AWS_ACCESS_KEY_ID=creds.access_key_id,
            AWS_SECRET_ACCESS_KEY=creds.access_key_secret,
            AWS_SESSION_TOKEN=creds.security_token,
        )
    return result


def known_secrets(env: Mapping[str, str], creds: StsCredentials | None) -> list[str]:
    """Every value ``run`` must never print."""
    values = [env.get(name, "") for name in SECRET_ENV]
    if creds:
        values += [creds.access_key_id, creds.access_key_secret, creds.security_token]
    token_file = env.get("ALIBABA_CLOUD_OIDC_TOKEN_FILE")
    if token_file:
        with contextlib.suppress(OSError):
            values.append(Path(token_file).read_text(encoding="utf-8").strip())
    return [v for v in values if v]


def stream(
    command: Sequence[str], env: Mapping[str, str], secrets: Sequence[str], output: Path | None
) -> int:
    """Run ``command``; copy its merged output, redacted, to stdout (and ``output``)."""
    sink = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115
    try:
        try:
            proc = subprocess.Popen(
                list(command), env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
        except OSError as err:
            raise OidcError(f"cannot run {command[0]!r}: {err.strerror}") from None
        assert proc.stdout is not None  # noqa: S101 - stdout=PIPE
        for raw in proc.stdout:
            line = redact(raw.decode("utf-8", errors="replace"), secrets)
            sys.stdout.write(line)
            if sink:
                sink.write(line)
        sys.stdout.flush()
        return proc.wait()
    finally:
        if sink:
            sink.close()


def cmd_run(
    args: argparse.Namespace,
    env: Mapping[str, str],
    exchange: Callable[[Mapping[str, str]], StsCredentials] | None = None,
) -> int:
    """The ``run`` subcommand."""
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise OidcError("run: no command given (usage: run [--output FILE] -- COMMAND...)")
    sts_endpoint(env)  # a bad endpoint fails before any request
    refresh_token(env)
    creds = (exchange or exchange_credentials)(env)
    for value in (creds.access_key_id, creds.access_key_secret, creds.security_token):
        mask(value)
    return stream(
        command,
        child_env(env, creds, args.state_credentials),
        known_secrets(env, creds),
        Path(args.output) if args.output else None,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="aliyun_oidc.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("token", help="request the OIDC token and export the ALIBABA_CLOUD_* names")
    run = sub.add_parser("run", help="run COMMAND with STS credentials from the OIDC role")
    run.add_argument("--output", metavar="FILE", help="also write the redacted output here")
    run.add_argument(
        "--state-credentials",
        choices=("auto", "never"),
        default="auto",
        help="give the STS credentials to an s3:// state backend as AWS_* (default: auto)",
    )
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    return parser


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    exchange: Callable[[Mapping[str, str]], StsCredentials] | None = None,
) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    environ = os.environ if env is None else env
    try:
        if args.cmd == "token":
            return cmd_token(environ, sys.stdout)
        return cmd_run(args, environ, exchange)
    except OidcError as err:
        _error(str(err))
        return 1


if __name__ == "__main__":
    sys.exit(main())
