"""The native ``ims`` provider through the real CLI: detailed diffs, import, refresh, errors.

What only the engine shows: how it renders our detailed diff after its own refresh, that
``pulumi import`` works through ``read`` and the schema, that a refresh proposes nothing after
any sequence, and the exact text a user sees when a cloud call fails.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.mns import MnsClient
from components.core.models import QueueSettings
from devtools.engine import EngineProfile
from devtools.stack import PACKAGE_DIR, CliStack
from emulator.testing import EmulatorProcess
from tests.engine.conftest import EMULATOR_KEY_ID, EMULATOR_SECRET, live_setting

PROGRAM = Path(__file__).parent / "programs" / "resources" / "__main__.py"
HTTP_ONLY: dict[str, Any] = {
    "ims-callbacks:callbacks": {
        "defaults": {"events": ["FileUploadComplete", "ProduceMediaComplete"]},
        "regions": {
            "cn-beijing": {"delivery": "http", "url": "https://hooks.example.com/bj"},
            "cn-hangzhou": {"delivery": "http", "url": "https://hooks.example.com/hz"},
        },
    }
}
MNS_AND_HTTP: dict[str, Any] = {
    "ims-callbacks:callbacks": {
        "defaults": {"events": ["FileUploadComplete"]},
        "regions": {
            "cn-shanghai": {"delivery": "mns", "queue": {"name": "ice-callback-cycle-sh"}},
            "cn-beijing": {"delivery": "http", "url": "https://hooks.example.com/bj"},
        },
    }
}


def output(proc: Any) -> str:
    return str(proc.stdout) + str(proc.stderr)


def counters(emulator: EmulatorProcess) -> dict[str, int]:
    return dict(emulator.control.counters()["operations"])


def writes(emulator: EmulatorProcess) -> dict[str, int]:
    """API calls that change something, by operation."""
    reads = ("GetEventCallback", "GetQueueAttributes", "ListQueue")
    return {op: n for op, n in counters(emulator).items() if op not in reads}


@pytest.fixture
def deployed(cli_stack: CliStack, emulator: EmulatorProcess) -> CliStack:
    cli_stack.write_config(HTTP_ONLY)
    cli_stack.run("up", "--yes", "--skip-preview")
    emulator.control.reset_counters()
    return cli_stack


def test_console_edit_is_a_detailed_diff_of_live_to_desired(
    deployed: CliStack, emulator: EmulatorProcess
):
    emulator.control.console_edit(
        "cn-beijing",
        {"CallbackURL": "https://console.example.com/x", "EventTypeList": "FileUploadComplete"},
    )
    preview = deployed.run("preview", "--diff")
    text = output(preview)
    assert re.search(
        r'~ url\s*: "https://console.example.com/x" => "https://hooks.example.com/bj"', text
    )
    assert '+ [1]: "ProduceMediaComplete"' in text
    assert "drift" not in text
    assert "~ 1 to update" in text
    # The engine's refresh read every region once; the preview wrote nothing.
    assert counters(emulator) == {"GetEventCallback": 2}
    deployed.run("up", "--yes", "--skip-preview")
    assert live_setting(emulator, "cn-beijing").url == "https://hooks.example.com/bj"
    assert deployed.run("preview", "--expect-no-changes", check=False).returncode == 0


def test_a_no_change_preview_reads_each_region_once_and_writes_nothing(
    deployed: CliStack, emulator: EmulatorProcess
):
    assert deployed.run("preview", "--expect-no-changes", check=False).returncode == 0
    regions = emulator.control.counters()["regions"]
    assert regions == {
        "cn-beijing": {"GetEventCallback": 1},
        "cn-hangzhou": {"GetEventCallback": 1},
    }


def test_refresh_after_create_repair_adopt_and_config_change_proposes_nothing(
    cli_stack: CliStack, emulator: EmulatorProcess
):
    def clean() -> None:
        proc = cli_stack.run("refresh", "--yes", "--expect-no-changes", check=False)
        assert proc.returncode == 0, output(proc)

    cli_stack.write_config(MNS_AND_HTTP)
    cli_stack.run("up", "--yes")
    clean()  # after create
    emulator.control.console_edit("cn-beijing", {"CallbackURL": "https://console.example.com"})
    cli_stack.run("up", "--yes")
    clean()  # after a repair
    emulator.control.console_edit(
        "cn-hangzhou",
        {
            "CallbackType": "HTTP",
            "CallbackURL": "https://legacy.example.com",
            "EventTypeList": "FileUploadComplete",
        },
    )
    config = json.loads(json.dumps(MNS_AND_HTTP))
    config["ims-callbacks:callbacks"]["regions"]["cn-hangzhou"] = {
        "delivery": "http",
        "url": "https://hooks.example.com/hz",
        "adopt": True,
    }
    cli_stack.write_config(config)
    cli_stack.run("up", "--yes")
    clean()  # after adopting
    config["ims-callbacks:callbacks"]["defaults"]["events"].append("MediaConvertComplete")
    cli_stack.write_config(config)
    cli_stack.run("up", "--yes")
    clean()  # after a config change
    assert cli_stack.run("preview", "--expect-no-changes", check=False).returncode == 0


@pytest.mark.parametrize("regions", ["http", "mns-and-http"])
def test_up_destroy_up_destroy_needs_no_adopt(
    cli_stack: CliStack, emulator: EmulatorProcess, regions: str
):
    config = HTTP_ONLY if regions == "http" else MNS_AND_HTTP
    cli_stack.write_config(config)
    for _ in range(2):
        up = cli_stack.run("up", "--yes", check=False)
        assert up.returncode == 0, output(up)
        destroy = cli_stack.run("destroy", "--yes", check=False)
        assert destroy.returncode == 0, output(destroy)
    # Nothing was there before: destroy left the regions subscribed to nothing.
    assert live_setting(emulator, "cn-beijing").events == ()
    assert emulator.control.state()["regions"].get("cn-shanghai", {}).get("queues", {}) == {}


def test_restore_puts_back_the_prior_setting_with_its_event_order(
    cli_stack: CliStack, emulator: EmulatorProcess
):
    emulator.control.console_edit(
        "cn-beijing",
        {
            "CallbackType": "HTTP",
            "CallbackURL": "https://legacy.example.com/ims",
            "EventTypeList": "ProduceMediaComplete,FileUploadComplete",
        },
    )
    config = json.loads(json.dumps(HTTP_ONLY))
    config["ims-callbacks:callbacks"]["regions"]["cn-beijing"]["adopt"] = True
    cli_stack.write_config(config)
    cli_stack.run("up", "--yes")
    cli_stack.run("destroy", "--yes")
    live = emulator.control.state()["regions"]["cn-beijing"]["callback"]
    assert live["CallbackURL"] == "https://legacy.example.com/ims"
    assert live["EventTypeList"] == "ProduceMediaComplete,FileUploadComplete"


def _resources_stack(profile: EngineProfile, root: Path) -> CliStack:
    """A project whose program declares the resources of resources.json (none at first)."""
    root.mkdir(parents=True)
    project = {
        "name": "ims-resources",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": sys.prefix}},
        "packages": {"ims": str(PACKAGE_DIR)},
    }
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    shutil.copy(PROGRAM, root / "__main__.py")
    (root / "resources.json").write_text("{}")
    stack = CliStack(root, "test", profile)
    stack.init()
    return stack


def test_import_a_live_setting_and_a_queue_then_preview_shows_no_changes(
    profile: EngineProfile, tmp_path: Path, emulator: EmulatorProcess
):
    key = "ImportKey2026abc"
    emulator.control.console_edit(
        "cn-hangzhou",
        {
            "CallbackType": "HTTP",
            "CallbackURL": "https://legacy.example.com/hz",
            "EventTypeList": "FileUploadComplete,ProduceMediaComplete",
            "AuthSwitch": "on",
            "AuthKey": key,
        },
    )
    credential = resolve_credentials(
        {"alicloud:accessKey": EMULATOR_KEY_ID, "alicloud:secretKey": EMULATOR_SECRET}
    )
    queue = QueueSettings(
        name="ice-callback-imported",
        existing=False,
        retention_seconds=86400,
        visibility_timeout_seconds=30,
        polling_wait_seconds=10,
        max_message_bytes=65536,
        delay_seconds=0,
        logging=False,
        tags=(("team", "media"),),
    )
    MnsClient("cn-shanghai", credential, Transport(emulator=emulator.base_url)).create_queue(queue)
    emulator.control.reset_counters()
    stack = _resources_stack(profile, tmp_path / "resources")

    setting = stack.run("import", "ims:index:EventCallback", "hz", "cn-hangzhou", "--yes")
    queue_import = stack.run(
        "import", "ims:index:CallbackQueue", "q", "cn-shanghai/ice-callback-imported", "--yes"
    )
    for proc in (setting, queue_import):
        assert "imported" in output(proc)
        assert key not in output(proc)
    (tmp_path / "resources" / "resources.json").write_text(
        json.dumps(
            {
                "hz": {
                    "type": "ims:index:EventCallback",
                    "properties": {
                        "region": "cn-hangzhou",
                        "callbackType": "HTTP",
                        "url": "https://legacy.example.com/hz",
                        "events": ["ProduceMediaComplete", "FileUploadComplete"],
                        "authEnabled": True,
                        "authKey": key,
                    },
                },
                "q": {
                    "type": "ims:index:CallbackQueue",
                    "properties": {
                        "region": "cn-shanghai",
                        "queueName": "ice-callback-imported",
                        "retentionSeconds": 86400,
                        "visibilityTimeoutSeconds": 30,
                        "pollingWaitSeconds": 10,
                        "maxMessageBytes": 65536,
                        "delaySeconds": 0,
                        "logging": False,
                        "tags": {"team": "media"},
                    },
                },
            }
        )
    )
    preview = stack.run("preview", "--expect-no-changes", "--diff", check=False)
    assert preview.returncode == 0, output(preview)
    assert writes(emulator) == {}
    state = json.dumps(stack.state())
    assert key not in state


def test_failed_call_is_one_clean_line_and_fails_the_run(
    deployed: CliStack, emulator: EmulatorProcess
):
    emulator.control.add_fault("forbidden", operation="SetEventCallback", region="cn-beijing")
    config = json.loads(json.dumps(HTTP_ONLY))
    config["ims-callbacks:callbacks"]["defaults"]["events"].append("MediaConvertComplete")
    deployed.write_config(config)
    up = deployed.run("up", "--yes", check=False)
    text = output(up)
    assert up.returncode != 0
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if "ice:SetEventCallback in cn-beijing" in line]
    assert lines, text
    assert all("Forbidden" in line and "Fix: allow" in line for line in lines)
    # The other region was still applied.
    assert "MediaConvertComplete" in live_setting(emulator, "cn-hangzhou").events


def test_unreadable_region_fails_preview_and_the_others_are_still_read(
    deployed: CliStack, emulator: EmulatorProcess
):
    emulator.control.add_fault("forbidden", operation="GetEventCallback", region="cn-beijing")
    preview = deployed.run("preview", check=False)
    text = output(preview)
    assert preview.returncode != 0
    assert "Traceback" not in text
    assert "ice:GetEventCallback in cn-beijing failed: Forbidden" in text
    assert emulator.control.counters()["regions"]["cn-hangzhou"]["GetEventCallback"] == 1
