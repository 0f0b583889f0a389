"""A YAML project of a user's own adds the ims package and runs the consumer scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from devtools.engine import EngineProfile
from devtools.stack import PACKAGE_DIR, CliStack
from emulator.testing import EmulatorProcess
from tests.consumers.scenario import BEIJING_URL, HANGZHOU_URL, SHENZHEN_LIVE, run_scenario

SHENZHEN = {
    "type": "ims:index:EventCallback",
    "properties": {
        "region": "cn-shenzhen",
        "callbackType": "HTTP",
        "url": SHENZHEN_LIVE.url,
        "events": list(SHENZHEN_LIVE.events),
        "authEnabled": False,
    },
}


def program(imported: bool) -> dict[str, Any]:
    """The YAML project: the component, one resource, and the imported one if asked."""
    resources: dict[str, Any] = {
        "callbacks": {
            "type": "ims:index:ImsCallbacks",
            "properties": {
                "callbacks": {
                    "defaults": {"events": ["FileUploadComplete"]},
                    "regions": {
                        "cn-beijing": {
                            "delivery": "http",
                            "url": BEIJING_URL,
                            "auth": {"enabled": False},
                            "adopt": True,
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
                "url": HANGZHOU_URL,
                "events": ["ProduceMediaComplete"],
                "authEnabled": True,
            },
        },
    }
    if imported:
        resources["shenzhen"] = SHENZHEN
    return {
        "name": "media-callbacks",
        "runtime": "yaml",
        "options": {"refresh": "always"},
        "packages": {"ims": str(PACKAGE_DIR)},
        "resources": resources,
        "outputs": {"regions": "${callbacks.regions}", "hangzhouKey": "${hangzhou.authKey}"},
    }


def test_a_yaml_project_runs_the_scenario(
    consumer_profile: EngineProfile, tmp_path: Path, emulator: EmulatorProcess
):
    project = tmp_path / "media-callbacks"
    project.mkdir()

    def write(imported: bool) -> None:
        (project / "Pulumi.yaml").write_text(yaml.safe_dump(program(imported), sort_keys=False))

    write(False)
    stack = CliStack(project, "dev", consumer_profile)
    stack.init()
    run_scenario(stack, emulator, write)
