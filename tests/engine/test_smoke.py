"""Engine smoke tests: the real CLI and the Automation API run the real program end to end."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from devtools.engine import REPO_ROOT, EngineProfile
from devtools.stack import CliStack, make_project
from emulator.testing import EmulatorProcess

AUTH_KEY = "SmokeKey2026abc"

CONFIG: dict[str, Any] = {
    "ims-callbacks:callbacks": {
        "defaults": {"events": ["FileUploadComplete", "ProduceMediaComplete"]},
        "regions": {
            "cn-shanghai": {"delivery": "mns", "queue": {"name": "ice-callback-smoke"}},
            "cn-beijing": {"delivery": "http", "url": "https://hooks.example.com/ims"},
        },
    },
}
# stack, component, 2 region components, 1 alicloud provider (RAM), queue, policy,
# attachment, 2 callbacks, the default ims provider
EXPECTED_TYPES = {
    "pulumi:pulumi:Stack": 1,
    "ims:index:ImsCallbacks": 1,
    "ims:index:RegionCallbacks": 2,
    "pulumi:providers:alicloud": 1,
    "ims:index:CallbackQueue": 1,
    "alicloud:ram/policy:Policy": 1,
    "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment": 1,
    "ims:index:EventCallback": 2,
    "pulumi:providers:ims": 1,
}


def type_counts(resources: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for res in resources:
        counts[res["type"]] = counts.get(res["type"], 0) + 1
    return counts


def test_cli_project_preview_up_noop_destroy(cli_stack: CliStack, emulator: EmulatorProcess):
    """The full language-host path on a project directory."""
    cli_stack.write_config(CONFIG)
    cli_stack.set_config("callbacks.regions.cn-beijing.auth.key", AUTH_KEY, secret=True)

    preview = cli_stack.run("preview", "--diff")
    assert "+ 10 to create" in preview.stdout, preview.stdout
    assert emulator.control.counters()["operations"].get("SetEventCallback", 0) == 0

    cli_stack.run("up", "--yes", "--skip-preview")
    assert type_counts(cli_stack.resources()) == EXPECTED_TYPES
    outputs = cli_stack.outputs()
    assert outputs["regions"]["cn-shanghai"]["queueName"] == "ice-callback-smoke"
    assert outputs["regions"]["cn-beijing"]["authKey"] == "[secret]"
    live = emulator.control.state()["regions"]
    assert live["cn-beijing"]["callback"]["CallbackURL"] == "https://hooks.example.com/ims"
    assert live["cn-shanghai"]["callback"]["CallbackQueueName"] == "ice-callback-smoke"

    again = cli_stack.run("preview", "--expect-no-changes", check=False)
    assert again.returncode == 0, again.stdout + again.stderr

    cli_stack.run("destroy", "--yes", "--skip-preview")
    assert cli_stack.resources() == []
    # onDelete: restore with nothing recorded before -> reset: no events are delivered any more
    after = emulator.control.state()["regions"]
    assert after["cn-beijing"]["callback"].get("EventTypeList", "") == ""
    assert after["cn-shanghai"]["callback"].get("EventTypeList", "") == ""


def test_automation_api_inline_program(
    profile: EngineProfile, emulator: EmulatorProcess, tmp_path: Path
):
    """The Automation API path: the repo's __main__.py as an inline program."""
    project = make_project(tmp_path / "auto-project")
    env = profile.env()
    ws = auto.LocalWorkspaceOptions(
        work_dir=str(project),
        pulumi_home=env["PULUMI_HOME"],
        env_vars=env,
        pulumi_command=auto.PulumiCommand(root=str(profile.bin_dir.parent)),
        secrets_provider="passphrase",
    )
    stack = auto.create_or_select_stack(
        "auto",
        project_name="ims-callbacks",
        program=lambda: runpy.run_path(str(REPO_ROOT / "__main__.py"), run_name="__main__"),
        opts=ws,
    )
    http_only = {
        "ims-callbacks:callbacks": {
            "regions": {
                "us-west-1": {
                    "delivery": "http",
                    "url": "https://hooks.example.com/us",
                    "events": ["SnapshotComplete"],
                    "auth": {"enabled": False},
                }
            }
        }
    }
    stack.set_all_config({k: auto.ConfigValue(value=json.dumps(v)) for k, v in http_only.items()})

    preview = stack.preview()
    assert preview.change_summary.get("create") == 4
    result = stack.up()
    assert result.summary.result == "succeeded"
    assert result.outputs["regions"].value["us-west-1"]["url"] == "https://hooks.example.com/us"
    assert emulator.control.counters()["operations"].get("SetEventCallback", 0) == 1

    stack.preview(expect_no_changes=True)

    destroyed = stack.destroy()
    assert destroyed.summary.result == "succeeded"
    assert stack.export_stack().deployment.get("resources") in (None, [])
