"""The pulumi steps of the workflows, with the real CLI against the emulator.

`pulumi up` (deploy.yml) and `pulumi preview --refresh --diff` (pr-review.yml) run through
``aliyun_oidc.py run`` exactly as in the workflows; only the STS exchange is replaced. The
emulator accepts nothing but the "STS" key the wrapper hands out, so the test also proves that
the ``ims`` provider plugin (components/aliyun/credentials.py, source 2) uses those
credentials. The alicloud plugin process gets the same environment; its test double does not
check credentials.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.engine import FAKES_BIN, EngineProfile, pulumi_bin_dir
from devtools.stack import CliStack, make_project
from emulator.testing import EmulatorProcess, start_emulator
from tests.workflows.checks import ACTIONS, MARKER

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
    """``aliyun_oidc.py run --output FILE -- pulumi ARGS`` as the workflow steps run it."""
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
