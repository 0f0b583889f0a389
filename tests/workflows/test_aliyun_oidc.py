"""The OIDC helper of the workflows (.github/actions/aliyun-oidc/aliyun_oidc.py).

``token`` runs as a subprocess against a loopback stand-in for GitHub's token endpoint;
``run`` runs in-process with the STS exchange replaced, and its child is a real process.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import stat
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest

from tests.workflows.checks import ACTIONS

SCRIPT = ACTIONS / "aliyun-oidc" / "aliyun_oidc.py"
ROLE = "acs:ram::1234567890123456:role/ims-callbacks-prod-preview"
PROVIDER = "acs:ram::1234567890123456:oidc-provider/github-actions"
BEARER = "request-bearer-0123456789"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aliyun_oidc", SCRIPT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


oidc = _load()


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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
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


def test_exchange_uses_the_oidc_role_provider(
    run_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import alibabacloud_credentials.provider as providers

    calls: list[dict[str, Any]] = []

    class FakeProvider:
        def __init__(self, **kwargs: Any) -> None:
            calls.append(kwargs)

        def get_credentials(self) -> Any:
            from alibabacloud_credentials.provider.refreshable import Credentials

            return Credentials(access_key_id="a", access_key_secret="b", security_token="c")

    monkeypatch.setattr(providers, "OIDCRoleArnCredentialsProvider", FakeProvider)
    run_env["ALIBABA_CLOUD_ROLE_SESSION_NAME"] = "gha-1-1"
    run_env["ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION"] = "1800"
    assert oidc.exchange_credentials(run_env) == oidc.StsCredentials("a", "b", "c")
    assert calls == [
        {
            "role_arn": ROLE,
            "oidc_provider_arn": PROVIDER,
            "oidc_token_file_path": run_env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"],
            "role_session_name": "gha-1-1",
            "duration_seconds": 1800,
        }
    ]


def test_exchange_failure_names_the_trust_policy(
    run_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import alibabacloud_credentials.provider as providers

    class Refused:
        def __init__(self, **_kwargs: Any) -> None:
            pass

        def get_credentials(self) -> Any:
            raise RuntimeError("AuthenticationFail.NoPermission secret-ish detail")

    monkeypatch.setattr(providers, "OIDCRoleArnCredentialsProvider", Refused)
    with pytest.raises(oidc.OidcError, match=r"trust policy \(oidc:sub / oidc:aud\)"):
        oidc.exchange_credentials(run_env)


def test_redact_prefers_longer_secrets_and_ignores_tiny_values() -> None:
    text = "abcdefgh abcd abc"
    assert oidc.redact(text, ["abcd", "abcdefgh", "abc"]) == "[redacted] [redacted] abc"
