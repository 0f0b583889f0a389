"""``pulumi package add <git URL>/provider@vX.Y.Z``, the route docs/use-from-your-project.md
gives first, against a git host on the loopback interface (tests/fakes/git_server.py).

The CLI clones the tag (go-git, smart HTTP over HTTPS, shallow) into its plugin cache, creates
the plugin's virtualenv there and generates the SDK; ``pulumi up`` then runs the cached plugin.
The host serves a bare clone of this repository's HEAD tagged ``v<VERSION>``: what is
committed, not the working tree.

The project is in Python: the YAML host built here (older than the CLI) looks a git plugin up
under the repository's name without the ``/provider`` sub path and cannot load it, although the
engine finds it. Linking the SDK fails with both hosts (test_package_add.py); the test does that
step by hand, as ``add`` does with a current host.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from components.version import VERSION
from devtools.engine import REPO_ROOT, EngineProfile
from devtools.stack import CliStack
from emulator.testing import EmulatorProcess
from tests.consumers.projects import python_project
from tests.engine.conftest import live_setting
from tests.fakes.certificates import Certificate, self_signed_certificate
from tests.fakes.git_server import HOST, GitServer, serve_git

REPO_PATH = "/org/ims-callbacks.git"
PACKAGE_URL = f"https://{HOST}/org/ims-callbacks/provider"
HANGZHOU_URL = "https://hooks.example.com/from-git"
PROGRAM = f'''"""One callback, declared with the SDK that `pulumi package add` generated."""

import pulumi_ims as ims

ims.EventCallback(
    "hangzhou",
    region="cn-hangzhou",
    callback_type=ims.CallbackType.HTTP,
    url="{HANGZHOU_URL}",
    events=[ims.EventName.PRODUCE_MEDIA_COMPLETE],
    auth_enabled=False,
)
'''


@dataclass(frozen=True)
class GitHost:
    server: GitServer
    certificate: Certificate

    def env(self) -> dict[str, str]:
        """What the CLI needs to reach the host and trust its certificate."""
        return self.server.env(self.certificate)


@pytest.fixture(scope="module")
def git_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHost]:
    """A bare clone of HEAD, tagged ``v<VERSION>``, served at ``https://HOST/org/...``."""
    root = tmp_path_factory.mktemp("git-host")
    bare = root / "repos" / "org" / "ims-callbacks.git"
    subprocess.run(
        ["git", "clone", "--quiet", "--bare", str(REPO_ROOT), str(bare)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["git", "-C", str(bare), "tag", "--force", f"v{VERSION}", "HEAD"],
        check=True,
        capture_output=True,
    )
    certificate = self_signed_certificate(root / "tls", HOST)
    with serve_git({REPO_PATH: bare}, certificate) as server:
        yield GitHost(server, certificate)


def package_add(
    project: Path, url: str, profile: EngineProfile, host: GitHost
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pulumi", "package", "add", url],
        cwd=project,
        env={**profile.env(), **host.env()},
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )


def program_project(path: Path) -> Path:
    """A Python project of its own whose program declares one callback."""
    python_project(path)
    (path / "__main__.py").write_text(PROGRAM)
    return path


def test_package_add_from_a_git_tag_clones_it_and_up_runs_the_cached_plugin(
    consumer_profile: EngineProfile, git_host: GitHost, tmp_path: Path, emulator: EmulatorProcess
):
    project = program_project(tmp_path / "media-callbacks")
    seen = len(git_host.server.requests)
    added = package_add(project, f"{PACKAGE_URL}@v{VERSION}", consumer_profile, git_host)
    output = added.stdout + added.stderr

    # The CLI asked the host, through the proxy, for the repository's refs and a pack.
    asked = git_host.server.requests[seen:]
    assert f"GET {REPO_PATH}/info/refs?service=git-upload-pack" in asked, output
    assert f"POST {REPO_PATH}/git-upload-pack" in asked, output
    assert f"CONNECT {HOST}:443 HTTP/1.1" in git_host.server.tunnels

    # The whole repository in the plugin cache, the package folder inside it.
    cached = [
        manifest.parent.parent
        for manifest in (consumer_profile.home / "plugins").glob("*/provider/PulumiPlugin.yaml")
    ]
    assert len(cached) == 1, output
    plugin = cached[0]
    assert plugin.name == f"resource-{HOST}_org_ims-callbacks.git_provider-v{VERSION}"
    assert f'VERSION = "{VERSION}"' in (plugin / "components" / "version.py").read_text()

    # The plugin's virtualenv, made by the CLI from provider/requirements.txt.
    venv_python = plugin / "provider" / "venv" / "bin" / "python"
    assert venv_python.exists(), output
    subprocess.run([str(venv_python), "-c", "import pulumi, pulumi_alicloud, pydantic"], check=True)

    # The SDK, in a folder named after the namespace (the URL's owner) and the package.
    sdk = project / "sdks" / "org-ims"
    assert f'VERSION = "{VERSION}"' in (sdk / "setup.py").read_text(), output
    assert json.loads((sdk / "pulumi_ims" / "pulumi-plugin.json").read_text()) == {
        "resource": True,
        "name": "ims",
        "version": VERSION,
        "server": f"git://{HOST}/org/ims-callbacks/provider",
    }
    entry = f"{PACKAGE_URL}@v{VERSION}"  # what `add` writes under `packages:` once linked
    if added.returncode != 0:  # the host's Link (older than the CLI); anything else is ours
        assert "unmarshal" in output or "Link" in output, output
        subprocess.run(
            [str(project / "venv" / "bin" / "pip"), "install", "--quiet", str(sdk)],
            check=True,
        )
        settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
        settings["packages"] = {"ims": entry}
        (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    assert yaml.safe_load((project / "Pulumi.yaml").read_text())["packages"] == {"ims": entry}

    # `pulumi up` runs the plugin from the cache and sets the callback. The CLI lists the
    # repository's refs again, but fetches no pack: nothing is cloned a second time.
    stack = CliStack(project, "dev", consumer_profile, git_host.env())
    stack.init()
    cloned = len(git_host.server.requests)
    stack.run("up", "--yes", "--skip-preview")
    assert live_setting(emulator, "cn-hangzhou").url == HANGZHOU_URL
    assert not [r for r in git_host.server.requests[cloned:] if r.startswith("POST")]


def test_package_add_of_a_missing_tag_names_it(
    consumer_profile: EngineProfile, git_host: GitHost, tmp_path: Path
):
    project = tmp_path / "media-callbacks"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: media-callbacks\nruntime: yaml\n")
    seen = len(git_host.server.requests)
    added = package_add(project, f"{PACKAGE_URL}@v9.9.9", consumer_profile, git_host)
    output = added.stdout + added.stderr
    assert added.returncode != 0, output
    assert "couldn't find remote ref: refs/tags/v9.9.9" in output, output
    assert f"unable to install {PACKAGE_URL}@v9.9.9" in output, output
    asked = git_host.server.requests[seen:]
    assert asked, output  # the host was asked, and only for its refs
    assert all(r == f"GET {REPO_PATH}/info/refs?service=git-upload-pack" for r in asked), asked
    assert not list((consumer_profile.home / "plugins").glob(f"*{HOST}*/provider")), output
    assert not (project / "sdks").exists(), output
