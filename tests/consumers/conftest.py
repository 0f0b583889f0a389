"""Fixtures for projects of a user's own that add the ims package (Python, TypeScript, YAML).

Each test builds a fresh project outside the repository, installs what ``make dist`` builds,
names the package folder under ``packages:`` and runs the real CLI against the emulator.
"""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from devtools.engine import FAKES_BIN, REPO_ROOT, EngineProfile
from emulator.testing import EmulatorProcess
from tests.engine_profile import engine_profile


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here runs the real engine, on one worker (they share the dist build)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.engine)
            item.add_marker(pytest.mark.xdist_group("consumers"))


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``make dist`` builds (the Python wheel, the npm tarball), built once per session."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(["bash", str(REPO_ROOT / "scripts" / "dist.sh"), str(out)], check=True)
    return out


@pytest.fixture
def consumer_profile(
    pulumi_bin: Path, language_hosts: Path, tmp_path: Path, emulator: EmulatorProcess
) -> EngineProfile:
    """The offline profile, the language hosts on PATH and the alicloud double in the cache.

    The plugin's virtualenv holds ``pulumi_alicloud``, so the CLI installs the ``alicloud``
    plugin as the package's dependency; offline, the test double stands in for it.
    """
    base = engine_profile(pulumi_bin, tmp_path, emulator)
    profile = EngineProfile(
        bin_dir=base.bin_dir,
        state_dir=base.state_dir,
        extra_path=(*base.extra_path, language_hosts),
        extra_env=base.extra_env,
    )
    archive = tmp_path / "alicloud.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(FAKES_BIN / "pulumi-resource-alicloud", arcname="pulumi-resource-alicloud")
    subprocess.run(
        ["pulumi", "plugin", "install", "resource", "alicloud", "v4.0.0", "-f", str(archive)],
        env=profile.env(),
        check=True,
        capture_output=True,
    )
    return profile
