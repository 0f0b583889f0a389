"""``pulumi package add <path>`` on a checkout of the package: the CLI makes the plugin's venv
and generates the SDK.

The last step of ``add``, linking the SDK into the project, needs a language host as new as
the CLI; the hosts built on this machine are older and fail it (docs/use-from-your-project.md,
"Known limits"). The consumer tests link by hand instead, as a user of a current CLI need not.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from components.version import VERSION
from devtools.engine import REPO_ROOT, EngineProfile
from devtools.stack import PACKAGE_DIR


def checkout(dest: Path) -> Path:
    """A user's checkout of the package: the package folder and the code beside it."""
    shutil.copytree(PACKAGE_DIR, dest / "provider", ignore=shutil.ignore_patterns("venv"))
    shutil.copytree(
        REPO_ROOT / "components", dest / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dest / "provider"


def test_package_add_makes_the_plugin_venv_and_generates_the_sdks(
    consumer_profile: EngineProfile, tmp_path: Path
):
    package = checkout(tmp_path / "ims-callbacks")
    assert not (package / "venv").exists()
    project = tmp_path / "media-callbacks"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": "media-callbacks", "runtime": "python"}, sort_keys=False)
    )
    added = subprocess.run(
        ["pulumi", "package", "add", str(package)],
        cwd=project,
        env=consumer_profile.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    output = added.stdout + added.stderr
    venv_python = package / "venv" / "bin" / "python"
    assert venv_python.exists(), output
    subprocess.run([str(venv_python), "-c", "import pulumi, pulumi_alicloud, pydantic"], check=True)
    setup = (project / "sdks" / "ims" / "setup.py").read_text()
    assert f'VERSION = "{VERSION}"' in setup, output
    typed = (project / "sdks" / "ims" / "pulumi_ims" / "_inputs.py").read_text()
    assert "class CallbacksArgs" in typed
    if added.returncode != 0:  # the host's Link; anything else is a failure of ours
        assert "unmarshal" in output or "Link" in output, output
