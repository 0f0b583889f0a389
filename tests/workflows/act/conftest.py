"""Fixtures of the act runs: one world (repository copy, fakes, an emulator per stack) a module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from devtools.engine import FAKES_BIN, REPO_ROOT, pulumi_bin_dir
from emulator.testing import start_emulator
from tests.fakes.github_api import fake_github
from tests.fakes.sts import StsDouble
from tests.workflows.act.harness import (
    GITHUB_TOKEN,
    OIDC_REQUEST_TOKEN,
    REPOSITORY,
    ROLE_ARN,
    STS,
    ActWorld,
    copy_tree,
    git_repo,
    github_script_standin,
    point_stacks_at,
    seed_plugins,
    sts_validator,
)
from tests.workflows.act.seeds import seed_prod

STACKS = ("dev", "prod")
CACHE_ROOT = Path(
    os.environ.get("IMS_CALLBACKS_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ims-callbacks"
)


@pytest.fixture(scope="session")
def pulumi_path(language_hosts: Path) -> tuple[Path, ...]:
    """What the pulumi/actions stand-in puts on PATH: the CLI, language hosts, alicloud double."""
    return (pulumi_bin_dir(), language_hosts, FAKES_BIN)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The github-script stand-in's packages (@actions/github, @actions/core) from npm."""
    return github_script_standin(CACHE_ROOT / "act-standins")


def open_world(
    resources: ExitStack,
    root: Path,
    tools: tuple[Path, tuple[Path, ...], Path],
    repository: str = REPOSITORY,
    stacks: tuple[str, ...] = STACKS,
) -> ActWorld:
    """A world for ``repository``: fakes, an emulator per stack, this repository's copy."""
    act_bin, pulumi_path, node_modules = tools
    github = resources.enter_context(fake_github(repository, GITHUB_TOKEN, OIDC_REQUEST_TOKEN))
    sts = resources.enter_context(StsDouble({ROLE_ARN: STS}, validator=sts_validator(github)))
    keys = {STS.access_key_id: STS.access_key_secret}
    emulators = {
        name: resources.enter_context(start_emulator(root / f"emulator-{name}.json", None, keys))
        for name in stacks
    }
    world = ActWorld(root, act_bin, pulumi_path, github, sts, emulators, node_modules)
    world.repo.mkdir()
    copy_tree(REPO_ROOT, world.repo)
    (root / "pulumi-home").mkdir()
    env = world.base_env()
    env["PATH"] = os.pathsep.join([*(str(p) for p in pulumi_path), env["PATH"]])
    seed_plugins(root / "pulumi-home", env)
    return world


@pytest.fixture(scope="module")
def tools(
    act_bin: Path, pulumi_path: tuple[Path, ...], node_modules: Path
) -> tuple[Path, tuple[Path, ...], Path]:
    """act, what the pulumi stand-in puts on PATH, the github-script stand-in's packages."""
    return (act_bin, pulumi_path, node_modules)


@pytest.fixture
def world(
    tmp_path_factory: pytest.TempPathFactory, tools: tuple[Path, tuple[Path, ...], Path]
) -> Iterator[ActWorld]:
    """This repository's copy with dev and prod initialised on a file backend, fakes running:
    a world of its own for each test, so that no test depends on another's runs."""
    with ExitStack() as resources:
        world = open_world(resources, tmp_path_factory.mktemp("act"), tools)
        point_stacks_at(world.repo, world.emulators)
        git_repo(world.repo, f"https://github.com/{REPOSITORY}.git")
        for name in STACKS:
            world.pulumi("stack", "init", name)
        seed_prod(world.emulators["prod"])
        yield world
