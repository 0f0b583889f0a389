"""Install a Pulumi project's dependencies the way its Pulumi.yaml asks, quickly (uv for Python).

Usage: ``python install_project.py [PROJECT_DIR] [--dry-run]``. What is installed:

- ``runtime: python``: ``requirements.txt`` into the virtualenv named by the ``virtualenv``
  option (created if missing), or into the ``python`` on PATH when there is none;
- ``runtime: nodejs``: ``npm ci`` (``npm install`` without a lock file);
- every package under ``packages:`` that is a local folder with a ``PulumiPlugin.yaml`` of
  ``runtime: python``: its ``requirements.txt`` into its ``virtualenv`` (the ims plugin);
- anything else (other toolchains, packages from git or a registry): ``pulumi install``.

Each command is printed before it runs; the first that fails stops the run with its exit code.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

PYTHON = shutil.which("python") or "python"
"""The interpreter the setup action put first on PATH (its ``python-version``), never one that
uv would pick from a ``.python-version`` file or download."""


def _runtime(data: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    runtime = data.get("runtime")
    if isinstance(runtime, str):
        return runtime, {}
    if isinstance(runtime, dict):
        options = runtime.get("options")
        return str(runtime.get("name", "")), options if isinstance(options, dict) else {}
    return "", {}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SystemExit(f"::error::{path} is not a Pulumi project or plugin file")
    return data


def _python_env(folder: Path, options: Mapping[str, Any]) -> list[list[str]]:
    """Commands installing ``folder/requirements.txt`` for a pip-toolchain Python program."""
    requirements = folder / "requirements.txt"
    if not requirements.is_file():
        return []
    uv = ["python", "-m", "uv"]
    install = ["-r", str(requirements)]
    venv = options.get("virtualenv")
    if venv:
        target = str(folder / str(venv))
        return [
            [*uv, "venv", "--quiet", "--seed", "--allow-existing", "--python", PYTHON, target],
            [*uv, "pip", "install", "--quiet", "--python", target, *install],
        ]
    return [[*uv, "pip", "install", "--quiet", "--system", *install]]


def _local_package(project: Path, source: object) -> Path | None:
    if not isinstance(source, str) or "://" in source:
        return None
    folder = (project / source).resolve()
    return folder if (folder / "PulumiPlugin.yaml").is_file() else None


def plan(project: Path) -> list[list[str]]:
    """The commands that install ``project``'s dependencies, in order."""
    data = _load(project / "Pulumi.yaml")
    name, options = _runtime(data)
    commands: list[list[str]] = []
    needs_pulumi_install = False
    if name == "python":
        if options.get("toolchain", "pip") == "pip":
            commands += _python_env(project, options)
        else:
            needs_pulumi_install = True
    elif name == "nodejs":
        lock = (project / "package-lock.json").is_file()
        commands.append(["npm", "ci"] if lock else ["npm", "install"])
    packages = data.get("packages") or {}
    for value in packages.values() if isinstance(packages, dict) else []:
        source = value.get("source") if isinstance(value, dict) else value
        folder = _local_package(project, source)
        if folder is None:
            needs_pulumi_install = True
            continue
        plugin_runtime, plugin_options = _runtime(_load(folder / "PulumiPlugin.yaml"))
        if plugin_runtime == "python" and plugin_options.get("toolchain", "pip") == "pip":
            commands += _python_env(folder, plugin_options)
        else:
            needs_pulumi_install = True
    if needs_pulumi_install:
        commands.append(["pulumi", "install"])
    return commands


def main(argv: Sequence[str] | None = None) -> int:
    """Run (or, with ``--dry-run``, print) the plan."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", nargs="?", default=".", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args(argv)
    args.project = args.project.resolve()  # the commands run in it: no path relative to here
    if not (args.project / "Pulumi.yaml").is_file():
        print(f"::error::no Pulumi.yaml in {args.project} (input working-directory)")
        return 1
    for command in plan(args.project):
        print("+ " + " ".join(command), flush=True)
        if not args.dry_run and (code := subprocess.call(command, cwd=args.project)) != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
