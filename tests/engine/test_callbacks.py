"""The component through the real engine: drift, minimal updates, adoption, delete behaviour."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from devtools.stack import CliStack
from emulator.testing import EmulatorProcess
from tests.engine.conftest import EMULATOR_SECRET, live_setting

BEIJING_KEY = "BeijingKey2026xyz"
THREE_REGIONS: dict[str, Any] = {
    "ims-callbacks:callbacks": {
        "defaults": {"events": ["FileUploadComplete", "ProduceMediaComplete"]},
        "regions": {
            "cn-shanghai": {"delivery": "mns", "queue": {"name": "ice-callback-e2e-sh"}},
            "cn-beijing": {"delivery": "http", "url": "https://hooks.example.com/bj"},
            "ap-southeast-1": {
                "delivery": "http",
                "url": "https://hooks.example.com/sg",
                "auth": {"enabled": True},
            },
        },
    }
}


def configure(stack: CliStack, config: dict[str, Any], *, beijing_key: bool = True) -> None:
    stack.write_config(config)
    if beijing_key:
        stack.set_config("callbacks.regions.cn-beijing.auth.key", BEIJING_KEY, secret=True)


def live(emulator: EmulatorProcess, region: str) -> dict[str, Any]:
    return dict(emulator.control.state()["regions"].get(region, {}).get("callback") or {})


def sets_by_region(emulator: EmulatorProcess) -> dict[str, int]:
    regions = emulator.control.counters()["regions"]
    return {r: ops.get("SetEventCallback", 0) for r, ops in regions.items()}


def no_changes(stack: CliStack) -> bool:
    return stack.run("preview", "--expect-no-changes", check=False).returncode == 0


@pytest.fixture
def deployed(cli_stack: CliStack, emulator: EmulatorProcess) -> CliStack:
    """The three-region stack, applied from scratch, counters reset afterwards."""
    configure(cli_stack, THREE_REGIONS)
    cli_stack.run("up", "--yes", "--skip-preview")
    emulator.control.reset_counters()
    return cli_stack


def test_three_regions_up_from_scratch_then_clean(deployed: CliStack, emulator: EmulatorProcess):
    assert live(emulator, "cn-shanghai")["CallbackQueueName"] == "ice-callback-e2e-sh"
    assert live_setting(emulator, "cn-beijing").auth_key == BEIJING_KEY
    generated = live_setting(emulator, "ap-southeast-1").auth_key
    assert len(generated) == 24
    assert deployed.outputs(show_secrets=True)["regions"]["ap-southeast-1"]["authKey"] == generated
    emulator.control.reset_counters()
    assert no_changes(deployed)
    ops = emulator.control.counters()["operations"]
    assert ops.get("GetEventCallback") == 3, ops  # one live read per region
    assert "SetEventCallback" not in ops


def test_console_edit_shows_as_drift_and_up_repairs_only_that_region(
    deployed: CliStack, emulator: EmulatorProcess
):
    emulator.control.console_edit(
        "cn-beijing",
        {"CallbackURL": "https://evil.example.com/x", "EventTypeList": "SnapshotComplete"},
    )
    preview = deployed.run("preview", "--diff")
    assert re.search(
        r'~ url\s*: "https://evil.example.com/x" => "https://hooks.example.com/bj"', preview.stdout
    )
    assert '~ [0]: "SnapshotComplete" => "FileUploadComplete"' in preview.stdout
    assert '+ [1]: "ProduceMediaComplete"' in preview.stdout
    assert "~ 1 to update" in preview.stdout
    assert not no_changes(deployed)

    emulator.control.reset_counters()
    deployed.run("up", "--yes", "--skip-preview")
    assert sets_by_region(emulator) == {"cn-beijing": 1, "cn-shanghai": 0, "ap-southeast-1": 0}
    assert live(emulator, "cn-beijing")["CallbackURL"] == "https://hooks.example.com/bj"
    assert no_changes(deployed)


def test_refresh_reports_real_drift_and_no_phantom_diff(
    deployed: CliStack, emulator: EmulatorProcess
):
    clean = deployed.run("refresh", "--preview-only", "--expect-no-changes", check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    deployed.run("refresh", "--yes", "--skip-preview")
    assert no_changes(deployed)

    emulator.control.console_edit("cn-shanghai", {"EventTypeList": "FileUploadComplete"})
    drifted = deployed.run(
        "refresh", "--preview-only", "--expect-no-changes", "--diff", check=False
    )
    assert drifted.returncode != 0
    assert "ProduceMediaComplete" in drifted.stdout


def test_adding_an_event_is_a_minimal_update(deployed: CliStack, emulator: EmulatorProcess):
    config = json.loads(json.dumps(THREE_REGIONS))
    config["ims-callbacks:callbacks"]["regions"]["cn-beijing"]["events"] = [
        "FileUploadComplete",
        "ProduceMediaComplete",
        "SnapshotComplete",
    ]
    configure(deployed, config)
    preview = deployed.run("preview")
    assert "~ 1 to update" in preview.stdout
    assert "to create" not in preview.stdout
    deployed.run("up", "--yes", "--skip-preview")
    assert sets_by_region(emulator) == {"cn-beijing": 1, "cn-shanghai": 0, "ap-southeast-1": 0}
    assert "SnapshotComplete" in live(emulator, "cn-beijing")["EventTypeList"]


def test_switching_http_to_mns_creates_queue_and_grant_and_updates_in_place(
    deployed: CliStack, emulator: EmulatorProcess
):
    config = json.loads(json.dumps(THREE_REGIONS))
    config["ims-callbacks:callbacks"]["regions"]["cn-beijing"] = {
        "delivery": "mns",
        "queue": {"name": "ice-callback-e2e-bj"},
    }
    configure(deployed, config, beijing_key=False)
    preview = deployed.run("preview")
    assert "+ 3 to create" in preview.stdout  # queue, policy, attachment (RAM provider shared)
    assert "~ 1 to update" in preview.stdout
    assert "replace" not in preview.stdout
    deployed.run("up", "--yes", "--skip-preview")
    after = live(emulator, "cn-beijing")
    assert after["CallbackType"] == "MNS"
    assert after["CallbackQueueName"] == "ice-callback-e2e-bj"
    assert no_changes(deployed)


def test_unmanaged_setting_is_refused_then_adopted_and_restored(
    cli_stack: CliStack, emulator: EmulatorProcess
):
    emulator.control.console_edit(
        "cn-beijing",
        {
            "CallbackType": "HTTP",
            "CallbackURL": "https://legacy.example.com/ims",
            "EventTypeList": "FileUploadComplete",
            "AuthSwitch": "on",
            "AuthKey": "LegacyKey2020abc",
        },
    )
    only_beijing = {
        "ims-callbacks:callbacks": {
            "regions": {
                "cn-beijing": {
                    "delivery": "http",
                    "url": "https://hooks.example.com/bj",
                    "events": ["ProduceMediaComplete"],
                }
            }
        }
    }
    configure(cli_stack, only_beijing)
    refused = cli_stack.run("preview", check=False)
    assert refused.returncode != 0
    assert "does not own" in refused.stdout + refused.stderr
    assert "adopt: true" in refused.stdout + refused.stderr
    assert "LegacyKey2020abc" not in refused.stdout + refused.stderr
    assert "SetEventCallback" not in emulator.control.counters()["operations"]

    only_beijing["ims-callbacks:callbacks"]["regions"]["cn-beijing"]["adopt"] = True
    configure(cli_stack, only_beijing)
    cli_stack.run("up", "--yes", "--skip-preview")
    assert live(emulator, "cn-beijing")["CallbackURL"] == "https://hooks.example.com/bj"

    cli_stack.run("destroy", "--yes", "--skip-preview")  # onDelete: restore (the default)
    restored = live_setting(emulator, "cn-beijing")
    assert restored.url == "https://legacy.example.com/ims"
    assert restored.auth_key == "LegacyKey2020abc"
    assert restored.events == ("FileUploadComplete",)


@pytest.mark.parametrize(
    ("behaviour", "events_after"), [("retain", "FileUploadComplete"), ("reset", "")]
)
def test_destroy_honours_retain_and_reset(
    cli_stack: CliStack, emulator: EmulatorProcess, behaviour: str, events_after: str
):
    config = {
        "ims-callbacks:callbacks": {
            "regions": {
                "us-west-1": {
                    "delivery": "http",
                    "url": "https://hooks.example.com/us",
                    "events": ["FileUploadComplete"],
                    "auth": {"enabled": False},
                    "onDelete": behaviour,
                }
            }
        }
    }
    configure(cli_stack, config, beijing_key=False)
    cli_stack.run("up", "--yes", "--skip-preview")
    cli_stack.run("destroy", "--yes", "--skip-preview")
    assert live(emulator, "us-west-1").get("EventTypeList", "") == events_after


def test_no_plaintext_secret_in_state_output_or_logs(
    deployed: CliStack, emulator: EmulatorProcess, tmp_path: Path
):
    generated = deployed.outputs(show_secrets=True)["regions"]["ap-southeast-1"]["authKey"]
    secrets = [BEIJING_KEY, generated, EMULATOR_SECRET]
    emulator.control.console_edit("cn-beijing", {"AuthKey": "DriftedKey2026zz"})
    texts = [
        deployed.run("preview", "--diff").stdout,
        deployed.run("up", "--yes", "--diff", "--skip-preview").stdout,
        deployed.run("stack", "output", "--json").stdout,
        deployed.run("refresh", "--yes", "--diff", "--skip-preview").stdout,
    ]
    state_files = list((deployed.profile.state_dir / "backend").rglob("*.json"))
    assert state_files
    texts += [f.read_text() for f in state_files]
    texts += [f.read_text(errors="replace") for f in tmp_path.rglob("*.log")]
    texts.append((tmp_path / "fake-alicloud.jsonl").read_text())
    for text in texts:
        for secret in [*secrets, "DriftedKey2026zz"]:
            assert secret not in text
