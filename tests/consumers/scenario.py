"""The scenario every consumer language runs: up, drift, repair, import, destroy.

The program (written by each language's test) declares an ``ImsCallbacks`` component that
adopts cn-beijing, an ``EventCallback`` for cn-hangzhou and, once imported, the live setting
of cn-shenzhen as an ``EventCallback`` too.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable

from components.core.callback import CallbackSetting
from components.provider.refresh_watch import NOTICE
from devtools.stack import CliStack
from emulator.testing import EmulatorProcess
from tests.engine.conftest import live_setting, set_live_setting

BEIJING_URL = "https://hooks.example.com/consumer-bj"
HANGZHOU_URL = "https://hooks.example.com/consumer-hz"
CONSOLE_URL = "https://console.example.com/edited"
BEIJING_BEFORE = CallbackSetting(
    "HTTP", url="https://hooks.example.com/before-bj", events=("ProduceMediaComplete",)
)
SHENZHEN_LIVE = CallbackSetting(
    "HTTP", url="https://hooks.example.com/shenzhen", events=("FileUploadComplete",)
)

WriteProgram = Callable[[bool], None]
"""Write the project's program; ``True`` adds the imported cn-shenzhen setting."""


def drift_line(live: str, desired: str) -> re.Pattern[str]:
    """The line a preview shows for a URL changed in the console."""
    return re.compile(rf'~ url\s*:\s*"{re.escape(live)}"\s*=>\s*"{re.escape(desired)}"')


def diagnostics(output: str) -> str:
    """The ``Diagnostics:`` section of a CLI run's output."""
    return output.partition("\nDiagnostics:\n")[2].partition("\nResources:\n")[0]


def run_scenario(stack: CliStack, emulator: EmulatorProcess, write_program: WriteProgram) -> str:
    """Run the scenario; return the drift preview's output (``preview --diff``, for the record).

    A plain ``pulumi preview`` lists the resource as ``update [diff: ~url]``; ``--diff`` shows
    the values. ``--refresh=false`` (refresh off) shows no drift, and the provider says so.
    """
    set_live_setting(emulator, "cn-beijing", BEIJING_BEFORE)
    set_live_setting(emulator, "cn-shenzhen", SHENZHEN_LIVE)
    write_program(False)

    stack.run("up", "--yes", "--skip-preview")
    assert live_setting(emulator, "cn-beijing").url == BEIJING_URL
    hangzhou = live_setting(emulator, "cn-hangzhou")
    assert (hangzhou.url, hangzhou.auth_enabled) == (HANGZHOU_URL, True)
    shown = stack.run("stack", "output", "--json").stdout
    assert hangzhou.auth_key not in shown
    assert json.loads(shown)["regions"]["cn-beijing"]["url"] == BEIJING_URL  # only keys are secret
    assert stack.outputs(show_secrets=True)["hangzhouKey"] == hangzhou.auth_key
    assert stack.run("preview", "--expect-no-changes", check=False).returncode == 0

    set_live_setting(emulator, "cn-hangzhou", dataclasses.replace(hangzhou, url=CONSOLE_URL))
    plain = stack.run("preview").stdout
    assert re.search(r"~ +ims:index:EventCallback +hangzhou +update +\[diff: ~url\]", plain), plain
    preview = stack.run("preview", "--diff").stdout
    assert drift_line(CONSOLE_URL, HANGZHOU_URL).search(preview), preview
    assert hangzhou.auth_key not in preview + plain

    blind = stack.run("preview", "--refresh=false", "--expect-no-changes", check=False)
    assert blind.returncode == 0, blind.stdout + blind.stderr
    assert diagnostics(blind.stdout).count(NOTICE) == 1, blind.stdout
    stack.run("up", "--yes", "--skip-preview")
    assert live_setting(emulator, "cn-hangzhou").url == HANGZHOU_URL

    stack.run(
        "import", "ims:index:EventCallback", "shenzhen", "cn-shenzhen", "--protect=false", "--yes"
    )
    write_program(True)
    check = stack.run("preview", "--expect-no-changes", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert live_setting(emulator, "cn-shenzhen") == SHENZHEN_LIVE

    stack.run("destroy", "--yes", "--skip-preview")
    assert live_setting(emulator, "cn-beijing") == BEIJING_BEFORE
    assert live_setting(emulator, "cn-shenzhen") == SHENZHEN_LIVE
    assert live_setting(emulator, "cn-hangzhou").events == ()
    print(preview)  # the drift preview, for the record (pytest -s)
    return preview
