"""The read-only drift check and `pulumi preview` agree on a drifted emulator."""

from __future__ import annotations

import json
import subprocess
import sys

from devtools.stack import CliStack
from emulator.testing import EmulatorProcess
from tests.engine.test_callbacks import BEIJING_KEY, THREE_REGIONS, configure


def drift_check(stack: CliStack, emulator: EmulatorProcess) -> tuple[int, set[tuple[str, str]]]:
    """Exit code and the (region, field) pairs the drift check reports as drifted."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "components.drift",
            "--stack",
            stack.name,
            "--project-dir",
            str(stack.project_dir),
            "--format",
            "json",
            "--emulator",
            emulator.base_url,
        ],
        env=stack.profile.env(),  # passphrase, emulator credentials
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stdout)
    drifted = {
        (region["region"], field["field"])
        for s in report["stacks"]
        for region in s["regions"]
        for field in region["fields"]
        if field["status"] == "drifted"
    }
    return proc.returncode, drifted


def preview_drift(stack: CliStack) -> set[tuple[str, str]]:
    """The (region, field) pairs of the callbacks' detailed diffs in `pulumi preview --json`."""
    steps = json.loads(stack.run("preview", "--json").stdout).get("steps", [])
    pairs = set()
    for step in steps:
        if not step["urn"].endswith("-callback") or step.get("op") != "update":
            continue
        region = step["newState"]["inputs"]["region"]
        pairs.update((region, field) for field in step.get("detailedDiff") or {})
    return pairs


def test_drift_check_and_preview_agree(cli_stack: CliStack, emulator: EmulatorProcess):
    configure(cli_stack, THREE_REGIONS)
    cli_stack.run("up", "--yes", "--skip-preview")
    assert drift_check(cli_stack, emulator) == (0, set())
    assert preview_drift(cli_stack) == set()

    emulator.control.console_edit(
        "cn-beijing", {"CallbackURL": "https://evil.example.com/x", "AuthKey": "Stolen2026Key"}
    )
    emulator.control.console_edit("cn-shanghai", {"EventTypeList": "SnapshotComplete"})
    expected = {
        ("cn-beijing", "url"),
        ("cn-beijing", "authKey"),
        ("cn-shanghai", "events"),
    }
    code, from_check = drift_check(cli_stack, emulator)
    assert code == 2
    assert from_check == expected
    assert preview_drift(cli_stack) == expected

    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "components.drift",
            "--stack",
            cli_stack.name,
            "--project-dir",
            str(cli_stack.project_dir),
            "--format",
            "markdown",
            "--emulator",
            emulator.base_url,
        ],
        env=cli_stack.profile.env(),
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert BEIJING_KEY not in report
    assert "Stolen2026Key" not in report
