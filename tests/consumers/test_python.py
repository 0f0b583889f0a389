"""A Python project of a user's own: the built SDK wheel in a fresh venv, the typed component."""

from __future__ import annotations

from pathlib import Path

from devtools.engine import EngineProfile
from devtools.stack import PACKAGE_DIR, CliStack
from emulator.testing import EmulatorProcess
from tests.consumers.projects import python_project
from tests.consumers.scenario import BEIJING_URL, HANGZHOU_URL, SHENZHEN_LIVE, run_scenario

PROGRAM = f'''"""Media callbacks, declared with the typed ims SDK."""

import pulumi
import pulumi_ims as ims

callbacks = ims.ImsCallbacks(
    "callbacks",
    callbacks=ims.CallbacksArgs(
        defaults=ims.RegionArgs(events=[ims.EventName.FILE_UPLOAD_COMPLETE]),
        regions={{
            "cn-beijing": ims.RegionArgs(
                delivery=ims.Delivery.HTTP,
                url="{BEIJING_URL}",
                auth=ims.AuthArgs(enabled=False),
                adopt=True,
            )
        }},
    ),
)
hangzhou = ims.EventCallback(
    "hangzhou",
    region="cn-hangzhou",
    callback_type=ims.CallbackType.HTTP,
    url="{HANGZHOU_URL}",
    events=[ims.EventName.PRODUCE_MEDIA_COMPLETE],
    auth_enabled=True,
)
pulumi.export("regions", callbacks.regions)
pulumi.export("hangzhouKey", hangzhou.auth_key)
'''

IMPORTED = f"""
ims.EventCallback(
    "shenzhen",
    region="cn-shenzhen",
    callback_type=ims.CallbackType.HTTP,
    url="{SHENZHEN_LIVE.url}",
    events=[ims.EventName.FILE_UPLOAD_COMPLETE],
    auth_enabled=False,
)
"""


def test_a_python_project_runs_the_scenario(
    consumer_profile: EngineProfile, dist: Path, tmp_path: Path, emulator: EmulatorProcess
):
    wheel = next(dist.glob("pulumi_ims-*.whl"))
    project = python_project(
        tmp_path / "media-callbacks",
        str(wheel),
        options={"refresh": "always"},
        packages={"ims": str(PACKAGE_DIR)},
    )

    def write(imported: bool) -> None:
        (project / "__main__.py").write_text(PROGRAM + (IMPORTED if imported else ""))

    stack = CliStack(project, "dev", consumer_profile)
    stack.init()
    run_scenario(stack, emulator, write)
