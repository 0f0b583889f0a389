"""Run the real Pulumi CLI on a project directory: used by the engine tests, the demo and bench."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from devtools.engine import REPO_ROOT, EngineProfile

PROJECT_LINKS = ("components", "__main__.py")
PACKAGE_DIR = REPO_ROOT / "provider"
"""The ims package folder (``PulumiPlugin.yaml``): what a project names under ``packages:``."""


def make_project(dest: Path) -> Path:
    """Mirror the repo's Pulumi project into ``dest`` (stack files live beside Pulumi.yaml).

    The program and the ``components`` package are symlinked and ``packages:`` names the repo's
    package folder, so the language host and the plugin run exactly the code under test.
    """
    dest.mkdir(parents=True, exist_ok=True)
    project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    project["stackConfigDir"] = "."
    project["runtime"]["options"]["virtualenv"] = str(Path(sys.prefix))
    project["packages"] = {"ims": str(PACKAGE_DIR)}
    (dest / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    for name in PROJECT_LINKS:
        link = dest / name
        if not link.exists():
            link.symlink_to(REPO_ROOT / name)
    return dest


@dataclass
class CliStack:
    """One stack of a project directory, driven through the ``pulumi`` CLI."""

    project_dir: Path
    name: str
    profile: EngineProfile
    env_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def stack_file(self) -> Path:
        """The stack's configuration file."""
        project = yaml.safe_load((self.project_dir / "Pulumi.yaml").read_text())
        config_dir = str(project.get("stackConfigDir", "."))
        return self.project_dir / config_dir / f"Pulumi.{self.name}.yaml"

    def run(
        self, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run ``pulumi <args> --stack <name> --non-interactive`` and capture its output."""
        env = self.profile.env()
        env.update(self.env_overrides)
        cmd = ["pulumi", *args, "--stack", self.name, "--non-interactive"]
        proc = subprocess.run(
            cmd,
            cwd=self.project_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"`{' '.join(cmd)}` exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def init(self) -> None:
        """Create the stack in the file backend (keeps an existing stack file)."""
        env = self.profile.env()
        subprocess.run(
            ["pulumi", "stack", "init", self.name, "--non-interactive"],
            cwd=self.project_dir,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )

    def set_config(self, path: str, value: str, *, secret: bool = False) -> None:
        """``pulumi config set --path`` (optionally ``--secret``)."""
        args = ["config", "set", "--path", path, value]
        if secret:
            args.insert(2, "--secret")
        self.run(*args)

    def write_config(self, config: dict[str, Any]) -> None:
        """Write plain (non-secret) configuration, keeping the stack's encryption salt."""
        current: dict[str, Any] = {}
        if self.stack_file.exists():
            current = yaml.safe_load(self.stack_file.read_text()) or {}
        current["config"] = config
        self.stack_file.write_text(yaml.safe_dump(current, sort_keys=False))

    def state(self) -> dict[str, Any]:
        """The stack's checkpoint (``pulumi stack export``), secrets left encrypted."""
        return dict(json.loads(self.run("stack", "export").stdout))

    def resources(self) -> list[dict[str, Any]]:
        """The resources recorded in the stack's state."""
        return list(self.state()["deployment"].get("resources") or [])

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The stack outputs as JSON."""
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        return dict(json.loads(self.run(*args).stdout or "{}"))
