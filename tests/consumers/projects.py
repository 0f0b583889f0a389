"""Python projects of a user's own, outside the repository: a virtualenv and a Pulumi.yaml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from devtools.engine import REPO_ROOT


def pulumi_pin() -> str:
    """The pulumi SDK requirement the plugin pins (provider/requirements.txt)."""
    requirements = (REPO_ROOT / "provider" / "requirements.txt").read_text().splitlines()
    return next(line for line in requirements if line.startswith("pulumi=="))


def python_project(path: Path, *packages: str, **project: Any) -> Path:
    """A project at ``path`` with its own venv (the pinned pulumi SDK and ``packages``) and a
    ``Pulumi.yaml`` naming it, plus the top-level ``project`` settings given."""
    path.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(path / "venv")], check=True)
    pip = [str(path / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, pulumi_pin(), *packages], check=True)
    runtime = {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    settings = {"name": "media-callbacks", "runtime": runtime, **project}
    (path / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return path
