"""A program in another language uses the ims package: YAML, through the real CLI.

The YAML language host is built from the Go module proxy by scripts/install-language-hosts.sh.
The program declares the ``ImsCallbacks`` component (built by the provider's ``Construct``)
and one ``EventCallback`` of its own.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from devtools.engine import REPO_ROOT, EngineProfile
from devtools.stack import CliStack
from emulator.testing import EmulatorProcess
from tests.engine.conftest import live_setting
from tests.engine_profile import engine_profile

PROGRAM = {
    "name": "ims-yaml",
    "runtime": "yaml",
    "plugins": {"providers": [{"name": "ims", "path": str(REPO_ROOT / "provider")}]},
    "resources": {
        "callbacks": {
            "type": "ims:index:ImsCallbacks",
            "properties": {
                "callbacks": {
                    "defaults": {"events": ["FileUploadComplete"]},
                    "regions": {
                        "cn-beijing": {
                            "delivery": "http",
                            "url": "https://hooks.example.com/yaml-bj",
                            "auth": {"enabled": False},
                        }
                    },
                }
            },
        },
        "hangzhou": {
            "type": "ims:index:EventCallback",
            "properties": {
                "region": "cn-hangzhou",
                "callbackType": "HTTP",
                "url": "https://hooks.example.com/yaml-hz",
                "events": ["ProduceMediaComplete"],
                "authEnabled": True,
            },
        },
    },
    "outputs": {
        "beijing": "${callbacks.regions}",
        "hangzhouKey": "${hangzhou.authKey}",
    },
}


@pytest.fixture(scope="session")
def language_hosts() -> Path:
    """The YAML (and Node.js) language hosts; their absence is an error, never a skip."""
    out = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "install-language-hosts.sh")],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return Path(out.stdout.strip().splitlines()[-1])


def test_yaml_program_deploys_the_component_and_a_resource(
    pulumi_bin: Path, language_hosts: Path, tmp_path: Path, emulator: EmulatorProcess
):
    base = engine_profile(pulumi_bin, tmp_path, emulator)
    profile = EngineProfile(
        bin_dir=base.bin_dir,
        state_dir=base.state_dir,
        extra_path=(*base.extra_path, language_hosts),
        extra_env=base.extra_env,
    )
    project = tmp_path / "yaml-project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(PROGRAM, sort_keys=False))
    stack = CliStack(project, "test", profile)
    stack.init()
    up = stack.run("up", "--yes", "--skip-preview")
    assert "+ 5 created" in up.stdout
    assert live_setting(emulator, "cn-beijing").url == "https://hooks.example.com/yaml-bj"
    hangzhou = live_setting(emulator, "cn-hangzhou")
    assert (hangzhou.url, hangzhou.auth_enabled) == ("https://hooks.example.com/yaml-hz", True)
    outputs = stack.outputs(show_secrets=True)
    assert outputs["hangzhouKey"] == hangzhou.auth_key
    assert hangzhou.auth_key not in stack.run("stack", "output", "--json").stdout
    assert stack.run("preview", "--expect-no-changes", check=False).returncode == 0
    stack.run("destroy", "--yes", "--skip-preview")
    assert live_setting(emulator, "cn-beijing").events == ()
