"""The RAM grant through the real engine, with the alicloud test double (tests/fakes/alicloud.py).

- ``create-role``: the role survives destroy (no delete recorded), and a role that is already
  there (the one the last destroy left) is imported, not created again.
- One identity: with only ``ims:accessKey`` / ``ims:secretKey`` set (no credential variables),
  the callbacks (the emulator accepts only that key) and the grant's alicloud provider (the
  double records what it was configured with, redacted) use the same AccessKey, and the state
  holds neither the key id nor the secret in plain text.
- A rotated key: the refresh step uses the provider configuration stored in state, so the
  first run after a rotation is ``pulumi up --refresh=false`` (README, Secrets).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.core.fingerprint import fingerprint
from devtools.stack import CliStack, make_project
from emulator.testing import EmulatorProcess, start_emulator
from tests.engine_profile import engine_profile

ROLE = "alicloud:ram/role:Role"
ROLE_NAME = "AliyunICEDefaultRole"
KEY_ID = "LTAIimsonly00001"
SECRET = "ims-only-secret-value-2026"
NEW_KEY_ID = "LTAIrotated00002"
NEW_SECRET = "rotated-secret-value-2026"
NO_ENV_CREDENTIALS = dict.fromkeys(
    (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "ALICLOUD_ACCESS_KEY",
        "ALICLOUD_SECRET_KEY",
        "ALICLOUD_SECURITY_TOKEN",
        "ALIBABA_CLOUD_PROFILE",
        "ALICLOUD_PROFILE",
    ),
    "",
)
"""Empty is unset for the chain: the ``ims:`` settings are the only credentials."""


def mns_config(mode: str) -> dict[str, Any]:
    return {
        "ims-callbacks:callbacks": {
            "defaults": {"events": ["FileUploadComplete"]},
            "grant": {"mode": mode, "roleName": ROLE_NAME},
            "regions": {"cn-shanghai": {"delivery": "mns", "queue": {"name": "ice-callback-g"}}},
        }
    }


def calls(tmp_path: Path) -> list[dict[str, Any]]:
    log = tmp_path / "fake-alicloud.jsonl"
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines]


def role_calls(tmp_path: Path) -> list[str]:
    return [c["call"] for c in calls(tmp_path) if c["type"] == ROLE]


def test_destroy_leaves_the_created_role_and_up_again_imports_it(
    cli_stack: CliStack, tmp_path: Path
):
    cli_stack.write_config(mns_config("create-role"))
    cli_stack.run("up", "--yes", "--skip-preview")
    assert role_calls(tmp_path) == ["create"]

    cli_stack.run("destroy", "--yes", "--skip-preview")
    deleted = [c["type"] for c in calls(tmp_path) if c["call"] == "delete"]
    assert ROLE not in deleted, "destroy must never delete the IMS role"
    assert sorted(deleted) == [
        "alicloud:ram/policy:Policy",
        "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment",
    ]  # the stack's own policy and its attachment go
    roles = json.loads((tmp_path / "fake-alicloud.jsonl.roles.json").read_text())
    assert set(roles) == {ROLE_NAME}

    # The role is still there: the next up imports it (no create, which would fail), and
    # the steady state after it proposes nothing.
    cli_stack.run("up", "--yes", "--skip-preview")
    assert role_calls(tmp_path) == ["create", "read"]
    assert cli_stack.run("preview", "--expect-no-changes", check=False).returncode == 0
    cli_stack.run("destroy", "--yes", "--skip-preview")
    assert "delete" not in role_calls(tmp_path)


def test_a_role_made_in_the_console_is_imported(cli_stack: CliStack, tmp_path: Path):
    (tmp_path / "fake-alicloud.jsonl.roles.json").write_text(
        json.dumps({ROLE_NAME: {"roleName": ROLE_NAME, "description": "made in the console"}})
    )
    cli_stack.write_config(mns_config("create-role"))
    preview = cli_stack.run("preview")
    assert "1 to import" in preview.stdout
    cli_stack.run("up", "--yes", "--skip-preview")
    assert role_calls(tmp_path) == ["read", "read"]  # preview and up import; nothing created
    cli_stack.run("destroy", "--yes", "--skip-preview")
    assert "delete" not in role_calls(tmp_path)


@pytest.fixture
def keyed_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """An emulator that accepts the ims-only key and nothing else."""
    with start_emulator(tmp_path / "keyed.json", access_keys={KEY_ID: SECRET}) as emu:
        yield emu


@pytest.fixture
def ims_only_stack(pulumi_bin: Path, tmp_path: Path, keyed_emulator: EmulatorProcess) -> CliStack:
    profile = engine_profile(pulumi_bin, tmp_path, keyed_emulator, **NO_ENV_CREDENTIALS)
    stack = CliStack(make_project(tmp_path / "project"), "test", profile)
    stack.init()
    stack.write_config(mns_config("attach"))
    stack.set_config("ims:accessKey", KEY_ID)  # plain in config on purpose: state keeps it secret
    stack.set_config("ims:secretKey", SECRET, secret=True)
    return stack


def configured(tmp_path: Path) -> list[dict[str, Any]]:
    return [c["props"] for c in calls(tmp_path) if c["call"] == "configure"]


def test_grant_and_callbacks_run_as_the_ims_credentials_and_state_hides_them(
    ims_only_stack: CliStack, keyed_emulator: EmulatorProcess, tmp_path: Path
):
    ims_only_stack.run("up", "--yes", "--skip-preview")
    ops = keyed_emulator.control.counters()["operations"]
    assert ops.get("SetEventCallback") == 1, ops  # signed with KEY_ID: the only key it accepts
    assert configured(tmp_path)
    for props in configured(tmp_path):  # the grant's provider got the same AccessKey
        assert props == {"accessKey": KEY_ID, "secretKey": fingerprint(SECRET)}
    assert SECRET not in (tmp_path / "fake-alicloud.jsonl").read_text()

    state = ims_only_stack.run("stack", "export").stdout
    assert KEY_ID not in state
    assert SECRET not in state
    providers = [
        r
        for r in json.loads(state)["deployment"]["resources"]
        if r["type"].startswith("pulumi:prov")
    ]
    assert {r["type"] for r in providers} >= {"pulumi:providers:ims", "pulumi:providers:alicloud"}
    for provider in providers:
        for name in ("accessKey", "secretKey"):
            if name in provider["inputs"]:
                assert "ciphertext" in provider["inputs"][name], (provider["urn"], name)


def test_a_rotated_key_is_applied_by_up_without_refresh(
    ims_only_stack: CliStack, keyed_emulator: EmulatorProcess, tmp_path: Path
):
    ims_only_stack.run("up", "--yes", "--skip-preview")
    # Rotate: the old key is disabled, the new one is in the config.
    keyed_emulator.stop()
    with start_emulator(
        tmp_path / "keyed.json", port=keyed_emulator.port, access_keys={NEW_KEY_ID: NEW_SECRET}
    ):
        ims_only_stack.set_config("ims:accessKey", NEW_KEY_ID, secret=True)
        ims_only_stack.set_config("ims:secretKey", NEW_SECRET, secret=True)
        stale = ims_only_stack.run("preview", check=False)  # refreshes with the stored config
        assert stale.returncode != 0
        assert "InvalidAccessKeyId" in stale.stdout + stale.stderr
        ims_only_stack.run("up", "--yes", "--skip-preview", "--refresh=false")
        assert ims_only_stack.run("preview", "--expect-no-changes", check=False).returncode == 0
    assert configured(tmp_path)[-1] == {
        "accessKey": NEW_KEY_ID,
        "secretKey": fingerprint(NEW_SECRET),
    }
