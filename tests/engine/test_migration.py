"""Stacks deployed by earlier releases move to today's code with no call that changes the cloud.

The old code comes from git history (CI clones with full history); the stack is deployed with
it, the project is switched to today's code, and the documented procedure (docs/migration.md)
runs:
- v0.1 (dynamic providers): one ``pulumi up --refresh=false``; aliases move every resource to
  its new type and provider;
- v0.2 (the plugin's wrapper under ``plugins.providers``): the project names the package folder
  under ``packages:`` instead, and the next preview shows no changes.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.engine import REPO_ROOT
from devtools.stack import CliStack
from emulator.testing import EmulatorProcess

DYNAMIC_PROVIDER_COMMIT = "41dcbaa"
"""The last commit whose stacks hold ``pulumi-python:dynamic`` resources."""
CONFIG: dict[str, Any] = {
    "ims-callbacks:callbacks": {
        "defaults": {"events": ["FileUploadComplete", "ProduceMediaComplete"]},
        "regions": {
            "cn-beijing": {
                "delivery": "http",
                "url": "https://hooks.example.com/bj",
                "auth": {"enabled": True},
            },
            "cn-shanghai": {"delivery": "mns", "queue": {"name": "ice-callback-migrate-sh"}},
        },
    }
}


def checkout(commit: str, dest: Path) -> Path:
    """The repository's files at ``commit`` (no work tree needed)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", commit], capture_output=True, check=False
    )
    if archive.returncode != 0:
        pytest.fail(
            f"commit {commit} is not in this clone's history ({archive.stderr.decode().strip()});"
            " clone with full history (actions/checkout fetch-depth: 0)"
        )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def use_code(project: Path, root: Path) -> None:
    """Point the project at the program and packages of ``root``."""
    config = yaml.safe_load((root / "Pulumi.yaml").read_text())
    config["stackConfigDir"] = "."
    config["runtime"]["options"]["virtualenv"] = sys.prefix
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    for name in ("components", "__main__.py", "provider"):
        link = project / name
        if link.is_symlink():
            link.unlink()
        if (root / name).exists():
            link.symlink_to(root / name)


def types(stack: CliStack) -> set[str]:
    return {r["type"] for r in stack.resources()}


def deployed_with(commit: str, profile: Any, tmp_path: Path) -> tuple[CliStack, Path]:
    """A stack of CONFIG deployed by the code of ``commit``; its project folder."""
    old = checkout(commit, tmp_path / commit)
    project = tmp_path / "project"
    project.mkdir()
    use_code(project, old)
    stack = CliStack(project, "test", profile)
    stack.init()
    stack.write_config(CONFIG)
    stack.run("up", "--yes", "--skip-preview")
    return stack, project


def test_dynamic_stack_moves_to_the_native_provider_without_cloud_changes(
    profile: Any, tmp_path: Path, emulator: EmulatorProcess
):
    stack, project = deployed_with(DYNAMIC_PROVIDER_COMMIT, profile, tmp_path)
    assert "pulumi-python:dynamic/ims:EventCallback" in types(stack)
    key = stack.outputs(show_secrets=True)["regions"]["cn-beijing"]["authKey"]
    before = emulator.control.state()["regions"]

    use_code(project, REPO_ROOT)
    emulator.control.reset_counters()
    preview = stack.run("preview", "--diff", "--refresh=false")
    assert "10 unchanged" in preview.stdout, preview.stdout
    stack.run("up", "--yes", "--refresh=false")
    after = types(stack)
    assert {"ims:index:EventCallback", "ims:index:CallbackQueue"} <= after
    assert not any(t.startswith(("pulumi-python:", "ims-callbacks:")) for t in after)
    assert "pulumi:providers:pulumi-python" not in after
    ops = emulator.control.counters()["operations"]
    assert set(ops) <= {"GetEventCallback", "GetQueueAttributes"}, ops
    assert emulator.control.state()["regions"] == before

    # From now on the native provider owns everything: refresh, drift, and the generated key.
    assert stack.run("refresh", "--yes", "--expect-no-changes", check=False).returncode == 0
    assert stack.run("preview", "--expect-no-changes", check=False).returncode == 0
    assert stack.outputs(show_secrets=True)["regions"]["cn-beijing"]["authKey"] == key
    state = str(stack.state())
    assert "__provider" not in state
    assert '"drift"' not in state


PLUGINS_PROVIDERS_COMMIT = "c2b2fd8"
"""The last commit whose project names the plugin's wrapper under ``plugins.providers``."""


def test_a_plugins_providers_stack_moves_to_the_package_route_without_cloud_changes(
    profile: Any, tmp_path: Path, emulator: EmulatorProcess
):
    stack, project = deployed_with(PLUGINS_PROVIDERS_COMMIT, profile, tmp_path)
    assert "plugins" in yaml.safe_load((project / "Pulumi.yaml").read_text())
    resources = stack.resources()
    before = emulator.control.state()["regions"]

    use_code(project, REPO_ROOT)
    assert "packages" in yaml.safe_load((project / "Pulumi.yaml").read_text())
    emulator.control.reset_counters()
    preview = stack.run("preview", "--expect-no-changes", "--diff", check=False)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    stack.run("up", "--yes")
    ops = emulator.control.counters()["operations"]
    assert set(ops) <= {"GetEventCallback", "GetQueueAttributes"}, ops
    assert emulator.control.state()["regions"] == before
    assert {r["urn"] for r in stack.resources()} == {r["urn"] for r in resources}
    assert stack.run("preview", "--expect-no-changes", check=False).returncode == 0
