"""The pulumi commands of the review and deploy actions, with the real CLI against the emulator.

The first test runs `pulumi up` and `pulumi preview --refresh --diff` through
``aliyun_oidc.py run`` as the actions do, with only the STS exchange replaced. The second runs
the actions' own steps (tests/workflows/checks.py ``step_command``): the deploy action's role
assumption and `pulumi up`, a console edit, then the review action on both drift routes (the
state-free check and `pulumi preview --refresh --json`) and the pr-comment action's combined
report, with a stand-in for the GitHub OIDC token service and the STS double
(tests/fakes/sts.py) answering AssumeRoleWithOIDC through the real SDK.

The emulator accepts nothing but the "STS" key the wrapper hands out, so the tests also prove
that the ``ims`` provider plugin (components/aliyun/credentials.py, source 2) and the drift
check use those credentials. The alicloud plugin process gets the same environment; its test
double does not check credentials.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devtools.engine import FAKES_BIN, EngineProfile, pulumi_bin_dir
from devtools.stack import CliStack, make_project
from emulator.testing import EmulatorProcess, start_emulator
from tests.fakes.sts import RoleCredentials, StsDouble
from tests.workflows.checks import ACTIONS, MARKER, step_command

pytestmark = pytest.mark.engine

STS_ID = "STS.NTestKeyForTheWrapper"
STS_SECRET = "sts-secret-handed-out-by-the-wrapper"
STS_TOKEN = "sts-security-token-abcdefghijklmnop"
DRIVER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("aliyun_oidc", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["aliyun_oidc"] = module
spec.loader.exec_module(module)
creds = module.StsCredentials(*sys.argv[2:5])
sys.exit(module.main(sys.argv[5:], exchange=lambda env: creds))
"""
CONFIG = {
    "ims-callbacks:callbacks": {
        "defaults": {"events": ["FileUploadComplete", "ProduceMediaComplete"]},
        "regions": {
            "cn-beijing": {"delivery": "http", "url": "https://hooks.example.com/bj"},
            "cn-shanghai": {"delivery": "mns", "queue": {"name": "ice-callback-wf-sh"}},
        },
    }
}


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path / "emulator.json", access_keys={STS_ID: STS_SECRET}) as emu:
        yield emu


@pytest.fixture
def stack(tmp_path: Path, emulator: EmulatorProcess) -> CliStack:
    token = tmp_path / "oidc-token"
    token.write_text("header.payload.signature", encoding="utf-8")
    profile = EngineProfile(
        bin_dir=pulumi_bin_dir(),
        state_dir=tmp_path / "pulumi",
        extra_path=(FAKES_BIN,),
        extra_env={
            "FAKE_ALICLOUD_LOG": str(tmp_path / "fake-alicloud.jsonl"),
            "IMS_CALLBACKS_EMULATOR": emulator.base_url,
            # What the aliyun-oidc action exports; no static key anywhere.
            "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1234567890123456:role/ims-callbacks-test",
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::1234567890123456:oidc-provider/gh",
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token),
        },
    )
    cli = CliStack(make_project(tmp_path / "project"), "test", profile)
    cli.init()
    cli.write_config(CONFIG)
    return cli


def wrapped(stack: CliStack, output: Path, *pulumi_args: str) -> subprocess.CompletedProcess[str]:
    """``aliyun_oidc.py run --output FILE -- pulumi ARGS`` as the actions' steps run it."""
    env = stack.profile.env()
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        env.pop(name, None)
    cmd = [
        sys.executable,
        "-c",
        DRIVER,
        str(ACTIONS / "aliyun-oidc" / "aliyun_oidc.py"),
        STS_ID,
        STS_SECRET,
        STS_TOKEN,
        "run",
        "--output",
        str(output),
        "--",
        "pulumi",
        *pulumi_args,
        "--stack",
        stack.name,
        "--non-interactive",
        "--color",
        "never",
        "--suppress-progress",
    ]
    return subprocess.run(
        cmd,
        cwd=stack.project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_up_then_a_console_edit_shows_in_the_refreshing_preview(
    stack: CliStack, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    up = wrapped(stack, tmp_path / "up.txt", "up", "--yes", "--refresh", "--diff")
    assert up.returncode == 0, up.stdout + up.stderr
    live = emulator.control.state()["regions"]["cn-beijing"]["callback"]
    assert live["CallbackURL"] == "https://hooks.example.com/bj"

    emulator.control.console_edit("cn-beijing", {"CallbackURL": "https://other.example.com/x"})
    report = tmp_path / "reports" / "report-test"
    report.mkdir(parents=True)
    preview = wrapped(stack, report / "preview.txt", "preview", "--refresh", "--diff")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    (report / "preview.exit").write_text("0\n")
    text = (report / "preview.txt").read_text(encoding="utf-8")
    # live values field by field (refresh), then the provider's detailed diff live -> desired
    assert (
        '~ url             : "https://hooks.example.com/bj" => "https://other.example.com/x"'
        in (text)
    )
    assert '~ url: "https://other.example.com/x" => "https://hooks.example.com/bj"' in text
    assert "~ 1 to update" in text
    assert "Resources:" in text
    for secret in (STS_SECRET, STS_TOKEN, stack.profile.passphrase):
        assert secret not in text + preview.stdout.replace(f"::add-mask::{secret}", "")
    assert "--show-secrets" not in text

    (report / "drift.exit").write_text("2\n")
    data = {"status": "drifted", "summary": "1 of 2 regions drifted in test", "exitCode": 2}
    (report / "drift.json").write_text(json.dumps(data))
    combined = subprocess.run(
        [
            sys.executable,
            str(ACTIONS / "report" / "combine.py"),
            "--reports",
            str(report.parent),
            "--stacks",
            '["test"]',
            "--output",
            str(tmp_path / "comment.md"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert combined.returncode == 0, combined.stderr
    comment = (tmp_path / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith(MARKER)
    assert "| `test` | ⚠️ 1 of 2 regions drifted in test | `~ 1 to update," in comment
    assert '~ url: "https://other.example.com/x" => "https://hooks.example.com/bj"' in comment


# --- the actions' steps, with the OIDC token service and STS standing in ------------------------

ROLE = "acs:ram::1234567890123456:role/ims-callbacks-test"
PROVIDER = "acs:ram::1234567890123456:oidc-provider/github-actions"
OIDC_BEARER = "request-bearer-for-the-token-service"


def _jwt() -> str:
    def part(data: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"sub": "repo:acme/media:environment:test", "aud": "sts.aliyuncs.com"}
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


OIDC_JWT = _jwt()


class _TokenService(BaseHTTPRequestHandler):
    """ACTIONS_ID_TOKEN_REQUEST_URL: the same token to every request with the bearer."""

    def do_GET(self) -> None:
        ok = self.headers.get("Authorization") == f"Bearer {OIDC_BEARER}"
        body = json.dumps({"value": OIDC_JWT}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) if ok else 0))
        self.end_headers()
        if ok:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def token_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenService)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sts(monkeypatch: pytest.MonkeyPatch) -> Iterator[StsDouble]:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    creds = RoleCredentials(STS_ID, STS_SECRET, STS_TOKEN)
    with StsDouble({ROLE: creds}, tokens={OIDC_JWT}, providers={PROVIDER}) as double:
        yield double


def action_step(
    action: str, step: str, env: dict[str, str], inputs: dict[str, str], workspace: Path
) -> subprocess.CompletedProcess[str]:
    script, full_env, cwd = step_command(action, step, env, inputs, workspace)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def job(stack: CliStack, token_service: str, tmp_path: Path) -> dict[str, str]:
    """A runner's job environment after the setup action, with no credential at all: only the
    role the actions assume (the OIDC token service is the stand-in)."""
    env = stack.profile.env()
    for name in [n for n in env if n.startswith(("ALIBABA_CLOUD_", "ALICLOUD_", "AWS_"))]:
        del env[name]
    runner = tmp_path / "runner"
    (runner / "temp").mkdir(parents=True)
    (runner / "github-env").write_text("", encoding="utf-8")
    return env | {
        "RUNNER_TEMP": str(runner / "temp"),
        "GITHUB_ENV": str(runner / "github-env"),
        "GITHUB_STEP_SUMMARY": str(runner / "summary.md"),
        "GITHUB_RUN_ID": "7",
        "GITHUB_RUN_ATTEMPT": "1",
        "ACTIONS_ID_TOKEN_REQUEST_URL": token_service,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": OIDC_BEARER,
        "IMS_CALLBACKS_PYTHON": sys.executable,
        "IMS_CALLBACKS_HOME": str(ACTIONS.parents[1]),
    }


def review_and_comment(
    job: dict[str, str], inputs: dict[str, str], workspace: Path, secrets: list[str]
) -> str:
    """One review job (assume, drift and preview, result), then the comment job's body."""
    temp = Path(job["RUNNER_TEMP"])
    Path(job["GITHUB_ENV"]).write_text("", encoding="utf-8")  # a new job
    assume = action_step("review", "Assume the role (OIDC)", job, inputs, workspace)
    assert assume.returncode == 0, assume.stdout + assume.stderr
    review = action_step("review", "Drift and preview", job, inputs, workspace)
    assert review.returncode == 0, review.stdout + review.stderr
    assert f"test: drift from {inputs['drift']}" in review.stdout
    report = temp / "ims-callbacks-report" / "test"
    assert (report / "drift.exit").read_text() == "2\n", review.stdout
    assert (report / "preview.exit").read_text() == "0\n", review.stdout
    assert json.loads((report / "drift.json").read_text(encoding="utf-8"))["status"] == "drifted"
    result = action_step("review", "Result", job, inputs, workspace)
    assert result.returncode == 0, result.stdout
    assert "::warning::test: live settings differ" in result.stdout
    everything = "".join(p.read_text(encoding="utf-8") for p in report.iterdir())
    assert "https://other.example.com/x" in everything
    for secret in secrets:
        assert secret not in everything

    reports = temp / "ims-callbacks-reports"
    shutil.rmtree(reports, ignore_errors=True)
    shutil.copytree(report, reports / "report-test")  # upload-artifact, download-artifact
    stacks = {"stacks": '["test"]'}
    combined = action_step("pr-comment", "Combine them into one comment", job, stacks, workspace)
    assert combined.returncode == 0, combined.stdout + combined.stderr
    return (temp / "ims-callbacks-comment.md").read_text(encoding="utf-8")


def test_deploy_then_review_through_the_actions_with_oidc(
    stack: CliStack, emulator: EmulatorProcess, sts: StsDouble, job: dict[str, str]
) -> None:
    workspace = stack.project_dir.parent
    role = {"role-arn": ROLE, "oidc-provider-arn": PROVIDER, "sts-endpoint": sts.url}
    target = {"stack": stack.name, "working-directory": stack.project_dir.name} | role

    # deploy: assume the role, then `pulumi up` through the wrapper
    assume = action_step("deploy", "Assume the role (OIDC)", job, target, workspace)
    assert assume.returncode == 0, assume.stdout + assume.stderr
    assert f"ALIBABA_CLOUD_ROLE_ARN={ROLE}" in Path(job["GITHUB_ENV"]).read_text()
    up = action_step("deploy", "pulumi up --yes --refresh", job, target, workspace)
    assert up.returncode == 0, up.stdout + up.stderr
    live = emulator.control.state()["regions"]["cn-beijing"]["callback"]
    assert live["CallbackURL"] == "https://hooks.example.com/bj"
    assert sts.calls  # the credentials came from STS
    assert action_step("deploy", "Summary", job, target, workspace).returncode == 0
    assert "### pulumi up --refresh: `test`" in Path(job["GITHUB_STEP_SUMMARY"]).read_text()

    # a console edit, then a review by each route and the comment from its report
    emulator.control.console_edit("cn-beijing", {"CallbackURL": "https://other.example.com/x"})
    secrets = [STS_SECRET, STS_TOKEN, OIDC_JWT, stack.profile.passphrase]
    for route in ("config", "preview"):
        comment = review_and_comment(job, target | {"drift": route}, workspace, secrets)
        assert comment.startswith(MARKER)
        assert "| `test` | ⚠️ 1 of 2 regions drifted in test" in comment, comment
        assert "`~ 1 to update," in comment
    assert {call.params["RoleArn"] for call in sts.calls} == {ROLE}
