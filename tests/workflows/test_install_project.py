"""The setup action's installer (.github/actions/setup/install_project.py): which commands install
a Pulumi project's dependencies, for this repository and for projects of other languages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.workflows.checks import ACTIONS, REPO, load_script

SCRIPT = ACTIONS / "setup" / "install_project.py"
UV = ["python", "-m", "uv"]
PULUMI_INSTALL = ["pulumi", "install"]


install_project = load_script("install_project", SCRIPT)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PYTHON = shutil.which("python") or "python"
"""install_project pins uv to the python first on PATH (the setup action's)."""


def venv(folder: Path, name: str) -> list[list[str]]:
    """What installs ``folder/requirements.txt`` into the virtualenv ``folder/name``."""
    target = str(folder / name)
    return [
        [*UV, "venv", "--quiet", "--seed", "--allow-existing", "--python", PYTHON, target],
        [
            *UV,
            "pip",
            "install",
            "--quiet",
            "--python",
            target,
            "-r",
            str(folder / "requirements.txt"),
        ],
    ]


def python_plugin(folder: Path, virtualenv: str | None = "venv") -> Path:
    """A local Python plugin package like this repository's provider/."""
    options = (
        f"  options:\n    toolchain: pip\n    virtualenv: {virtualenv}\n" if virtualenv else ""
    )
    write(folder / "PulumiPlugin.yaml", f"runtime:\n  name: python\n{options}")
    write(folder / "requirements.txt", "pulumi>=3.200\n")
    return folder


# --- this repository ----------------------------------------------------------------------------


def test_this_repository() -> None:
    # Pulumi.yaml: python, virtualenv .venv; packages: ims: ./provider (PulumiPlugin.yaml, venv)
    assert install_project.plan(REPO) == [*venv(REPO, ".venv"), *venv(REPO / "provider", "venv")]


# --- other projects -----------------------------------------------------------------------------


@pytest.mark.parametrize(("lock", "command"), [(True, ["npm", "ci"]), (False, ["npm", "install"])])
def test_nodejs(tmp_path: Path, lock: bool, command: list[str]) -> None:
    write(tmp_path / "Pulumi.yaml", "name: media\nruntime: nodejs\n")
    write(tmp_path / "package.json", "{}\n")
    if lock:
        write(tmp_path / "package-lock.json", "{}\n")
    assert install_project.plan(tmp_path) == [command]


def test_nodejs_with_the_local_ims_package(tmp_path: Path) -> None:
    write(tmp_path / "Pulumi.yaml", "name: m\nruntime: nodejs\npackages:\n  ims: ./vendor/ims\n")
    plugin = python_plugin(tmp_path / "vendor" / "ims")
    assert install_project.plan(tmp_path) == [["npm", "install"], *venv(plugin, "venv")]


def test_yaml_with_a_local_package(tmp_path: Path) -> None:
    project = tmp_path / "infra"
    write(
        project / "Pulumi.yaml",
        "name: m\nruntime: yaml\npackages:\n  ims:\n    source: ../ims-callbacks/provider\n",
    )
    plugin = python_plugin(tmp_path / "ims-callbacks" / "provider", virtualenv=".venv")
    assert install_project.plan(project) == venv(plugin, ".venv")


@pytest.mark.parametrize(
    "source",
    [
        "https://github.com/acme/ims-callbacks/provider@v1.2.3",
        "git@github.com:acme/ims-callbacks.git/provider",
        "github.com/acme/ims-callbacks/provider@v1.2.3",
        "aws@6.0.0",
    ],
)
def test_a_package_from_git_or_a_registry_needs_pulumi_install(tmp_path: Path, source: str) -> None:
    write(
        tmp_path / "Pulumi.yaml",
        f"name: m\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
        f"packages:\n  ims:\n    source: {source}\n",
    )
    write(tmp_path / "requirements.txt", "pulumi\n")
    assert install_project.plan(tmp_path) == [*venv(tmp_path, "venv"), PULUMI_INSTALL]


def test_pulumi_install_comes_once_and_last(tmp_path: Path) -> None:
    write(
        tmp_path / "Pulumi.yaml",
        "name: m\nruntime: yaml\npackages:\n  a: https://example.com/a\n  b: ./local\n"
        "  c: https://example.com/c\n",
    )
    plugin = python_plugin(tmp_path / "local")
    assert install_project.plan(tmp_path) == [*venv(plugin, "venv"), PULUMI_INSTALL]


def test_a_local_package_of_another_kind_needs_pulumi_install(tmp_path: Path) -> None:
    write(tmp_path / "Pulumi.yaml", "name: m\nruntime: yaml\npackages:\n  a: ./a\n  b: ./b\n")
    write(tmp_path / "a" / "PulumiPlugin.yaml", "runtime: nodejs\n")
    write(tmp_path / "b" / "main.go", "package main\n")  # a folder without PulumiPlugin.yaml
    assert install_project.plan(tmp_path) == [PULUMI_INSTALL]


@pytest.mark.parametrize(
    "runtime",
    ["python", "\n  name: python", "\n  name: python\n  options:\n    toolchain: pip"],
)
def test_python_without_a_virtualenv_installs_into_the_system_python(
    tmp_path: Path, runtime: str
) -> None:
    write(tmp_path / "Pulumi.yaml", f"name: m\nruntime: {runtime}\n")
    write(tmp_path / "requirements.txt", "pulumi\n")
    requirements = str(tmp_path / "requirements.txt")
    assert install_project.plan(tmp_path) == [
        [*UV, "pip", "install", "--quiet", "--system", "-r", requirements]
    ]


@pytest.mark.parametrize("toolchain", ["uv", "poetry"])
def test_python_with_another_toolchain_needs_pulumi_install(tmp_path: Path, toolchain: str) -> None:
    write(
        tmp_path / "Pulumi.yaml",
        f"name: m\nruntime:\n  name: python\n  options:\n    toolchain: {toolchain}\n",
    )
    write(tmp_path / "requirements.txt", "pulumi\n")
    assert install_project.plan(tmp_path) == [PULUMI_INSTALL]


def test_python_without_requirements_installs_nothing(tmp_path: Path) -> None:
    write(tmp_path / "Pulumi.yaml", "name: m\nruntime:\n  name: python\n")
    assert install_project.plan(tmp_path) == []


def test_a_file_that_is_not_a_project(tmp_path: Path) -> None:
    write(tmp_path / "Pulumi.yaml", "- name: m\n")
    with pytest.raises(SystemExit, match=r"::error::.*Pulumi.yaml is not a Pulumi project"):
        install_project.plan(tmp_path)


# --- main ---------------------------------------------------------------------------------------


def test_missing_pulumi_yaml_names_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert install_project.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out == f"::error::no Pulumi.yaml in {tmp_path} (input working-directory)\n"


def test_dry_run_prints_and_runs_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_call(*args: object, **kwargs: object) -> int:
        raise AssertionError("ran a command")

    monkeypatch.setattr(install_project.subprocess, "call", no_call)
    assert install_project.main([str(REPO), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["+ " + " ".join(c) for c in install_project.plan(REPO)]


def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str = "") -> Path:
    """``python`` and ``npm`` stand-ins on PATH logging their folder and arguments."""
    log = tmp_path / "calls.log"
    for tool in ("python", "npm"):
        code = f'case "$*" in *{fail}*) exit 3 ;; esac' if fail else ""
        script = f'#!/bin/sh\necho "$PWD {tool} $*" >> {log}\n{code}\n'
        write(tmp_path / "bin" / tool, script).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    return log


def test_main_runs_the_plan_in_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A relative folder (the action passes "." from its working-directory; a user may pass
    # another): every command runs in the project and finds its files from there.
    project = tmp_path / "work" / "infra"
    write(
        project / "Pulumi.yaml",
        "name: m\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n",
    )
    write(project / "requirements.txt", "pulumi\n")
    log = fake_tools(tmp_path, monkeypatch)
    monkeypatch.chdir(tmp_path / "work")
    assert install_project.main(["infra"]) == 0
    calls = log.read_text().splitlines()
    requirements = project / "requirements.txt"
    assert calls == [
        f"{project} python -m uv venv --quiet --seed --allow-existing"
        f" --python {install_project.PYTHON} {project / 'venv'}",
        f"{project} python -m uv pip install --quiet --python {project / 'venv'} -r {requirements}",
    ]


def test_main_stops_at_the_first_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "p" / "Pulumi.yaml", "name: m\nruntime: nodejs\npackages:\n  ims: ./ims\n")
    python_plugin(tmp_path / "p" / "ims")
    log = fake_tools(tmp_path, monkeypatch, fail="ci")
    write(tmp_path / "p" / "package-lock.json", "{}\n")
    assert install_project.main([str(tmp_path / "p")]) == 3
    assert log.read_text().splitlines() == [f"{tmp_path / 'p'} npm ci"]
    assert capsys.readouterr().out == "+ npm ci\n"
