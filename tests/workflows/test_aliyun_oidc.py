"""The OIDC helper of the workflows (.github/actions/aliyun-oidc/aliyun_oidc.py).

``token`` runs as a subprocess against a loopback stand-in for GitHub's token endpoint;
``run`` runs in-process, its child is a real process, and the STS exchange is either replaced
or made for real through the STS SDK against a loopback STS double (tests/fakes/sts.py).
"""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.fakes.sts import RoleCredentials, StsCall, StsDouble, StsRefusal
from tests.workflows.checks import ACTIONS, load_script

SCRIPT = ACTIONS / "aliyun-oidc" / "aliyun_oidc.py"
ROLE = "acs:ram::1234567890123456:role/ims-callbacks-prod-preview"
PROVIDER = "acs:ram::1234567890123456:oidc-provider/github-actions"
BEARER = "request-bearer-0123456789"


oidc = load_script("aliyun_oidc", SCRIPT)


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJlLXBhcnQ"


class _TokenHandler(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    status: ClassVar[int] = 200
    tokens: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        type(self).requests.append(
            {
                "path": url.path,
                "query": dict(urllib.parse.parse_qsl(url.query)),
                "auth": self.headers.get("Authorization"),
            }
        )
        if self.status != 200:
            self.send_response(self.status)
            self.end_headers()
            return
        body = json.dumps({"count": 1, "value": type(self).tokens.pop(0)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def token_server() -> Iterator[type[_TokenHandler]]:
    """A stand-in for ACTIONS_ID_TOKEN_REQUEST_URL on 127.0.0.1."""

    class Handler(_TokenHandler):
        requests: ClassVar[list[dict[str, Any]]] = []
        status: ClassVar[int] = 200
        tokens: ClassVar[list[str]] = []

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    Handler.url = (  # type: ignore[attr-defined]
        f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"
    )
    try:
        yield Handler
    finally:
        server.shutdown()
        server.server_close()


def _token_env(tmp_path: Path, url: str | None) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_ENV": str(tmp_path / "github-env"),
        "GITHUB_RUN_ID": "42",
        "GITHUB_RUN_ATTEMPT": "3",
        "INPUT_ROLE_ARN": ROLE,
        "INPUT_OIDC_PROVIDER_ARN": PROVIDER,
        "INPUT_AUDIENCE": "sts.aliyuncs.com",
    }
    if url:
        env |= {"ACTIONS_ID_TOKEN_REQUEST_URL": url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": BEARER}
    (tmp_path / "github-env").write_text("", encoding="utf-8")
    return env


def _token_cmd(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "token"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_token_is_requested_written_masked_and_exported(
    tmp_path: Path, token_server: type[_TokenHandler]
) -> None:
    jwt = _jwt({"sub": "repo:acme/ims:environment:prod-preview", "aud": "sts.aliyuncs.com"})
    token_server.tokens.append(jwt)
    result = _token_cmd(_token_env(tmp_path, token_server.url))  # type: ignore[attr-defined]
    assert result.returncode == 0, result.stdout + result.stderr

    (request,) = token_server.requests
    assert request["auth"] == f"Bearer {BEARER}"
    assert request["query"] == {"api-version": "2.0", "audience": "sts.aliyuncs.com"}

    token_file = tmp_path / "runner-temp" / "aliyun-oidc" / "token"
    assert token_file.read_text(encoding="utf-8") == jwt
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    exported = (tmp_path / "github-env").read_text(encoding="utf-8").splitlines()
    assert exported == [
        f"ALIBABA_CLOUD_ROLE_ARN={ROLE}",
        f"ALIBABA_CLOUD_OIDC_PROVIDER_ARN={PROVIDER}",
        f"ALIBABA_CLOUD_OIDC_TOKEN_FILE={token_file}",
        "ALIBABA_CLOUD_ROLE_SESSION_NAME=gha-42-3",
        "ALIBABA_CLOUD_OIDC_AUDIENCE=sts.aliyuncs.com",
    ]
    lines = result.stdout.splitlines()
    assert lines[0] == f"::add-mask::{jwt}"
    assert not any(jwt in line for line in lines[1:])  # only the mask command carries it
    assert "sub=repo:acme/ims:environment:prod-preview" in result.stdout


def test_token_without_id_token_permission(tmp_path: Path) -> None:
    result = _token_cmd(_token_env(tmp_path, None))
    assert result.returncode == 1
    assert "::error::" in result.stdout
    assert "id-token: write" in result.stdout
    assert (tmp_path / "github-env").read_text(encoding="utf-8") == ""


def test_token_rejects_bad_arns_before_any_request(
    tmp_path: Path, token_server: type[_TokenHandler]
) -> None:
    env = _token_env(tmp_path, token_server.url)  # type: ignore[attr-defined]
    env["INPUT_ROLE_ARN"] = ""
    env["INPUT_OIDC_PROVIDER_ARN"] = "acs:ram::123:role/not-a-provider"
    result = _token_cmd(env)
    assert result.returncode == 1
    assert "ALIYUN_ROLE_ARN" in result.stdout
    assert "ALIYUN_OIDC_PROVIDER_ARN" in result.stdout
    assert token_server.requests == []


def test_token_request_refused(tmp_path: Path, token_server: type[_TokenHandler]) -> None:
    token_server.status = 403
    result = _token_cmd(_token_env(tmp_path, token_server.url))  # type: ignore[attr-defined]
    assert result.returncode == 1
    assert "::error::the GitHub OIDC token request failed: HTTP 403" in result.stdout
    assert BEARER not in result.stdout + result.stderr


# --- run ----------------------------------------------------------------------------------------

CREDS = oidc.StsCredentials("STS.NUabcdefghijklmn", "sts-secret-0123456789", "sts-token-abcdef")
PASSPHRASE = "correct horse battery staple"

CHILD = """
import os, sys
for name in ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN",
             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PULUMI_CONFIG_PASSPHRASE"):
    print(f"{name}={os.environ.get(name, '<unset>')}")
print("token:", open(os.environ["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]).read(), file=sys.stderr)
print("Resources:\\n    ~ 1 to update")
sys.exit(3)
"""


@pytest.fixture
def run_env(tmp_path: Path) -> dict[str, str]:
    token_file = tmp_path / "token"
    token_file.write_text("the.oidc.jwt-value", encoding="utf-8")
    return {
        "PATH": "/usr/bin:/bin",
        "ALIBABA_CLOUD_ROLE_ARN": ROLE,
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": PROVIDER,
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token_file),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_BACKEND_URL": "s3://state?endpoint=https://s3.oss-cn-shanghai.aliyuncs.com&region=cn-shanghai",
    }


def _run(env: dict[str, str], output: Path, *extra: str) -> int:
    argv = ["run", "--output", str(output), *extra, "--", sys.executable, "-c", CHILD]
    return int(oidc.main(argv, env=env, exchange=lambda _env: CREDS))


def test_run_gives_sts_credentials_and_redacts_every_secret(
    tmp_path: Path, run_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "preview.txt"
    assert _run(run_env, output) == 3  # the command's exit code
    text = output.read_text(encoding="utf-8")
    # The child did get the credentials (it printed them); the output shows none of them.
    assert "ALICLOUD_ACCESS_KEY=[redacted]" in text
    assert "ALICLOUD_SECRET_KEY=[redacted]" in text
    assert "ALICLOUD_SECURITY_TOKEN=[redacted]" in text
    assert "AWS_ACCESS_KEY_ID=[redacted]" in text  # OSS state backend gets them too
    assert "AWS_SECRET_ACCESS_KEY=[redacted]" in text
    assert "PULUMI_CONFIG_PASSPHRASE=[redacted]" in text
    assert "token: [redacted]" in text
    assert "Resources:\n    ~ 1 to update" in text
    secrets = [*vars(CREDS).values(), PASSPHRASE, "the.oidc.jwt-value"]
    assert not any(s in text for s in secrets)
    stdout = capsys.readouterr().out
    masked = [line for line in stdout.splitlines() if line.startswith("::add-mask::")]
    assert sorted(masked) == sorted(f"::add-mask::{v}" for v in vars(CREDS).values())
    rest = "\n".join(line for line in stdout.splitlines() if not line.startswith("::add-mask::"))
    assert not any(s in rest for s in secrets)
    assert rest.strip() == text.strip()


def test_run_keeps_state_credentials_of_its_own(tmp_path: Path, run_env: dict[str, str]) -> None:
    output = tmp_path / "out.txt"
    run_env["AWS_ACCESS_KEY_ID"] = "LTAI-state-bucket-user"
    _run(run_env, output)
    assert "AWS_ACCESS_KEY_ID=LTAI-state-bucket-user" in output.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("backend", "extra"),
    [
        ("https://api.pulumi.com", ()),
        ("s3://state?region=cn-shanghai", ("--state-credentials", "never")),
    ],
)
def test_run_leaves_other_backends_alone(
    tmp_path: Path, run_env: dict[str, str], backend: str, extra: tuple[str, ...]
) -> None:
    output = tmp_path / "out.txt"
    run_env["PULUMI_BACKEND_URL"] = backend
    _run(run_env, output, *extra)
    text = output.read_text(encoding="utf-8")
    assert "AWS_ACCESS_KEY_ID=<unset>" in text
    assert "ALICLOUD_ACCESS_KEY=[redacted]" in text


def test_run_refreshes_the_token_before_the_exchange(
    tmp_path: Path, run_env: dict[str, str], token_server: type[_TokenHandler]
) -> None:
    fresh = _jwt({"sub": "repo:acme/ims:environment:prod"})
    token_server.tokens.append(fresh)
    run_env |= {
        "ACTIONS_ID_TOKEN_REQUEST_URL": token_server.url,  # type: ignore[attr-defined]
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": BEARER,
        "ALIBABA_CLOUD_OIDC_AUDIENCE": "sts.aliyuncs.com",
    }
    seen: list[str] = []

    def exchange(env: dict[str, str]) -> Any:
        seen.append(Path(env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]).read_text(encoding="utf-8"))
        return CREDS

    argv = ["run", "--", sys.executable, "-c", "print('ok')"]
    assert oidc.main(argv, env=run_env, exchange=exchange) == 0
    assert seen == [fresh]
    assert token_server.requests[0]["query"]["audience"] == "sts.aliyuncs.com"


def test_run_without_the_oidc_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert oidc.main(["run", "--", "true"], env={"PATH": "/usr/bin:/bin"}) == 1
    out = capsys.readouterr().out
    assert "::error::" in out
    assert "run the ./.github/actions/aliyun-oidc action first" in out


def test_run_without_a_command(run_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert oidc.main(["run", "--"], env=run_env, exchange=lambda _e: CREDS) == 1
    assert "no command given" in capsys.readouterr().out


def test_redact_prefers_longer_secrets_and_ignores_tiny_values() -> None:
    text = "abcdefgh abcd abc"
    assert oidc.redact(text, ["abcd", "abcdefgh", "abc"]) == "[redacted] [redacted] abc"


# --- the STS endpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "protocol", "host"),
    [
        ({}, "https", "sts.aliyuncs.com"),
        (
            {"ALIBABA_CLOUD_STS_ENDPOINT": "sts.cn-hangzhou.aliyuncs.com"},
            "https",
            "sts.cn-hangzhou.aliyuncs.com",
        ),
        (
            {"ALIBABA_CLOUD_STS_ENDPOINT": " sts-vpc.cn-shanghai.aliyuncs.com "},
            "https",
            "sts-vpc.cn-shanghai.aliyuncs.com",
        ),
        (
            {"ALIBABA_CLOUD_STS_ENDPOINT": "https://sts.cn-beijing.aliyuncs.com/"},
            "https",
            "sts.cn-beijing.aliyuncs.com",
        ),
        ({"ALIBABA_CLOUD_STS_ENDPOINT": "HTTPS://STS.aliyuncs.com"}, "https", "sts.aliyuncs.com"),
        (
            {"ALIBABA_CLOUD_STS_ENDPOINT": "https://sts.example.internal:8443"},
            "https",
            "sts.example.internal:8443",
        ),
        ({"ALIBABA_CLOUD_STS_ENDPOINT": "127.0.0.1:8443"}, "https", "127.0.0.1:8443"),
        ({"ALIBABA_CLOUD_STS_ENDPOINT": "http://127.0.0.1:8080"}, "http", "127.0.0.1:8080"),
        ({"ALIBABA_CLOUD_STS_ENDPOINT": "http://localhost:9000"}, "http", "localhost:9000"),
        ({"ALIBABA_CLOUD_STS_ENDPOINT": "http://[::1]:9000"}, "http", "[::1]:9000"),
        ({"ALIBABA_CLOUD_STS_REGION": "cn-shanghai"}, "https", "sts.cn-shanghai.aliyuncs.com"),
        (
            {
                "ALIBABA_CLOUD_STS_REGION": "cn-shanghai",
                "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED": "true",
            },
            "https",
            "sts-vpc.cn-shanghai.aliyuncs.com",
        ),
        (
            {
                "ALIBABA_CLOUD_STS_REGION": "cn-shanghai",
                "ALIBABA_CLOUD_STS_ENDPOINT": "sts.aliyuncs.com",
            },
            "https",
            "sts.aliyuncs.com",
        ),
    ],
)
def test_sts_endpoint_forms(env: dict[str, str], protocol: str, host: str) -> None:
    endpoint = oidc.sts_endpoint(env)
    assert (endpoint.protocol, endpoint.host) == (protocol, host)
    assert endpoint.url == f"{protocol}://{host}"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("http://sts.aliyuncs.com", "only for a loopback test double"),
        ("http://sts-vpc.cn-shanghai.aliyuncs.com:80", "only for a loopback test double"),
        ("http://10.0.0.5:8080", "only for a loopback test double"),
        ("http://127.0.0.2:8080", "only for a loopback test double"),
        ("ftp://sts.aliyuncs.com", "is not an STS endpoint"),
        ("https://sts.aliyuncs.com/v1", "is not an STS endpoint"),
        ("https://user:pw@sts.aliyuncs.com", "is not an STS endpoint"),
        ("https://sts.aliyuncs.com?Action=x", "is not an STS endpoint"),
        ("https://sts.aliyuncs.com:99999", "is not an STS endpoint"),
        ("sts..aliyuncs.com", "is not an STS endpoint"),
        ("-sts.aliyuncs.com", "is not an STS endpoint"),
        ("sts aliyuncs com", "is not an STS endpoint"),
    ],
)
def test_sts_endpoint_rejects(value: str, says: str) -> None:
    with pytest.raises(oidc.OidcError) as caught:
        oidc.sts_endpoint({"ALIBABA_CLOUD_STS_ENDPOINT": value})
    message = str(caught.value)
    assert message.startswith(f"ALIBABA_CLOUD_STS_ENDPOINT {value!r}")
    assert says in message
    assert "https://" in message  # the fix


def test_sts_region_must_be_a_region() -> None:
    with pytest.raises(oidc.OidcError, match="ALIBABA_CLOUD_STS_REGION 'cn shanghai'"):
        oidc.sts_endpoint({"ALIBABA_CLOUD_STS_REGION": "cn shanghai"})


def test_token_exports_the_sts_endpoint(tmp_path: Path, token_server: type[_TokenHandler]) -> None:
    token_server.tokens.append(_jwt({"sub": "repo:acme/ims:environment:dev"}))
    env = _token_env(tmp_path, token_server.url)  # type: ignore[attr-defined]
    env["INPUT_STS_ENDPOINT"] = "sts-vpc.cn-shanghai.aliyuncs.com"
    result = _token_cmd(env)
    assert result.returncode == 0, result.stdout + result.stderr
    exported = (tmp_path / "github-env").read_text(encoding="utf-8").splitlines()
    assert exported[-1] == "ALIBABA_CLOUD_STS_ENDPOINT=sts-vpc.cn-shanghai.aliyuncs.com"
    assert "STS https://sts-vpc.cn-shanghai.aliyuncs.com" in result.stdout


def test_token_refuses_plain_http_to_a_remote_sts_before_any_request(
    tmp_path: Path, token_server: type[_TokenHandler]
) -> None:
    env = _token_env(tmp_path, token_server.url)  # type: ignore[attr-defined]
    env["INPUT_STS_ENDPOINT"] = "http://sts.aliyuncs.com"
    result = _token_cmd(env)
    assert result.returncode == 1
    assert "::error::sts-endpoint 'http://sts.aliyuncs.com': plain http://" in result.stdout
    assert "use https://sts.aliyuncs.com" in result.stdout
    assert token_server.requests == []
    assert (tmp_path / "github-env").read_text(encoding="utf-8") == ""


# --- the STS exchange, for real against a loopback double ----------------------------------------

OIDC_JWT = _jwt(
    {
        "sub": "repo:acme/ims:environment:prod",
        "aud": "sts.aliyuncs.com",
        "iss": "https://token.actions.githubusercontent.com",
        "iat": 1_900_000_000,
        "exp": 1_900_000_300,
    }
)
ROLE_CREDS = RoleCredentials(
    "STS.NTfakeAccessKeyId01", "fake-sts-secret-abcdef", "fake-sts-token-ghijkl"
)


@pytest.fixture
def sts(monkeypatch: pytest.MonkeyPatch) -> Iterator[StsDouble]:
    """The STS double on 127.0.0.1, knowing ROLE and accepting OIDC_JWT only."""
    # darabonba passes HTTP(S)_PROXY to requests itself and so ignores NO_PROXY: a proxy set
    # in the environment would get the loopback request.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with StsDouble({ROLE: ROLE_CREDS}, tokens={OIDC_JWT}, providers={PROVIDER}) as double:
        yield double


@pytest.fixture
def sts_env(run_env: dict[str, str], sts: StsDouble) -> dict[str, str]:
    Path(run_env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]).write_text(OIDC_JWT, encoding="utf-8")
    return run_env | {
        "ALIBABA_CLOUD_STS_ENDPOINT": sts.url,
        "ALIBABA_CLOUD_ROLE_SESSION_NAME": "gha-7-1",
        "ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION": "1800",
    }


def test_exchange_calls_assume_role_with_oidc_anonymously(
    sts_env: dict[str, str], sts: StsDouble
) -> None:
    creds = oidc.exchange_credentials(sts_env)
    assert creds == oidc.StsCredentials(*vars(ROLE_CREDS).values())
    (call,) = sts.calls
    assert (call.method, call.path) == ("POST", "/")
    params = call.params
    assert params["Action"] == "AssumeRoleWithOIDC"
    assert params["Version"] == "2015-04-01"
    assert params["RoleArn"] == ROLE
    assert params["OIDCProviderArn"] == PROVIDER
    assert params["OIDCToken"] == OIDC_JWT  # the file's content
    assert params["RoleSessionName"] == "gha-7-1"
    assert params["DurationSeconds"] == "1800"
    # Anonymous: neither signed nor carrying any credential.
    for name in ("AccessKeyId", "Signature", "SignatureMethod", "SecurityToken", "BearerToken"):
        assert name not in params
    assert "authorization" not in call.headers


def test_the_pinned_sdk_sends_the_parameters_in_the_query_string(
    sts_env: dict[str, str], sts: StsDouble
) -> None:
    # alibabacloud-sts20150401 1.2.0 (and alibabacloud_credentials) put every parameter,
    # the OIDC token included, in the query of a POST without a body. The double reads both.
    oidc.exchange_credentials(sts_env)
    (call,) = sts.calls
    assert call.form == {}
    assert {"Action", "RoleArn", "OIDCProviderArn", "OIDCToken"} <= call.query.keys()


def test_run_round_trip_through_the_sts_double(
    tmp_path: Path, sts_env: dict[str, str], sts: StsDouble
) -> None:
    output = tmp_path / "preview.txt"
    argv = ["run", "--output", str(output), "--", sys.executable, "-c", CHILD]
    assert oidc.main(argv, env=sts_env) == 3
    text = output.read_text(encoding="utf-8")
    assert "ALICLOUD_ACCESS_KEY=[redacted]" in text
    assert "AWS_SECRET_ACCESS_KEY=[redacted]" in text
    assert not any(v in text for v in [*vars(ROLE_CREDS).values(), OIDC_JWT])
    assert len(sts.calls) == 1


def test_run_names_the_sts_error_code_and_nothing_of_the_token(
    tmp_path: Path, sts_env: dict[str, str], sts: StsDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    def expired(call: StsCall) -> StsRefusal:
        # A message that quotes the token: it must not reach the log.
        return StsRefusal(
            "AuthenticationFail.OIDCToken.Invalid", f"token {call.params['OIDCToken']} expired"
        )

    sts.validator = expired
    marker = tmp_path / "child-ran"
    argv = ["run", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    assert oidc.main(argv, env=sts_env) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.out.splitlines() if line.startswith("::error::")]
    assert errors
    assert "AuthenticationFail.OIDCToken.Invalid (HTTP 400, request ID " in errors[0]
    assert f"at {sts.url} was refused" in errors[0]
    assert "trust policy (oidc:sub / oidc:aud)" in captured.out
    assert "expired" not in captured.out
    assert OIDC_JWT not in captured.out + captured.err
    assert not marker.exists()
    assert len(sts.calls) == 1


def test_a_token_the_double_does_not_know_is_refused(
    sts_env: dict[str, str], sts: StsDouble
) -> None:
    Path(sts_env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]).write_text(_jwt({"sub": "x"}), encoding="utf-8")
    with pytest.raises(oidc.OidcError, match=r"refused: AuthenticationFail\.OIDCToken\.Invalid"):
        oidc.exchange_credentials(sts_env)
    sts.accept_tokens([Path(sts_env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]).read_text(encoding="utf-8")])
    assert oidc.exchange_credentials(sts_env).access_key_id == ROLE_CREDS.access_key_id


def test_an_unreachable_sts_endpoint_does_not_leak_the_token(
    sts_env: dict[str, str], sts: StsDouble
) -> None:
    sts.stop()  # nothing listens on that port any more
    with pytest.raises(oidc.OidcError) as caught:
        oidc.exchange_credentials(sts_env)
    message = str(caught.value)
    url = sts_env["ALIBABA_CLOUD_STS_ENDPOINT"]
    assert f"AssumeRoleWithOIDC at {url} failed: connection refused" in message
    assert "sts-endpoint" in message
    assert OIDC_JWT not in message
    assert OIDC_JWT.split(".")[1] not in message


def test_run_refuses_plain_http_to_a_remote_sts_before_any_call(
    run_env: dict[str, str], token_server: type[_TokenHandler], capsys: pytest.CaptureFixture[str]
) -> None:
    run_env |= {
        "ALIBABA_CLOUD_STS_ENDPOINT": "http://sts.cn-shanghai.aliyuncs.com",
        "ACTIONS_ID_TOKEN_REQUEST_URL": token_server.url,  # type: ignore[attr-defined]
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": BEARER,
    }
    exchanged: list[object] = []

    def exchange(env: dict[str, str]) -> Any:
        exchanged.append(env)
        return CREDS

    assert oidc.main(["run", "--", "true"], env=run_env, exchange=exchange) == 1
    out = capsys.readouterr().out
    assert "::error::ALIBABA_CLOUD_STS_ENDPOINT 'http://sts.cn-shanghai.aliyuncs.com'" in out
    assert "only for a loopback test double" in out
    assert exchanged == []
    assert token_server.requests == []  # not even the token refresh
    with pytest.raises(oidc.OidcError, match="only for a loopback test double"):
        oidc.exchange_credentials(run_env)


def test_exchange_rejects_a_bad_duration(sts_env: dict[str, str], sts: StsDouble) -> None:
    sts_env["ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION"] = "1h"
    with pytest.raises(oidc.OidcError, match="ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION '1h'"):
        oidc.exchange_credentials(sts_env)
    assert sts.calls == []
