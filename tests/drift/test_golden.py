"""The Markdown PR comment for a fixed scenario, compared with tests/drift/golden/drift.md.

Regenerate after an intended change, then review the diff:

    IMS_CALLBACKS_UPDATE_GOLDEN=1 .venv/bin/pytest tests/drift/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

from components.drift.check import check
from components.drift.render import render
from components.drift.stackfile import load_project
from tests.drift.conftest import deploy_mns, http_region, live_http, mns_region

GOLDEN = Path(__file__).parent / "golden" / "drift.md"
UPDATE_ENV = "IMS_CALLBACKS_UPDATE_GOLDEN"
KEY = "StackKey0123abcXYZ"


def test_markdown_report_matches_golden(project, emulator, env):
    project.stack(
        "prod",
        {
            "ap-southeast-1": http_region(key=KEY),
            "cn-hangzhou": mns_region(),
            "cn-shanghai": mns_region(),
            "cn-shenzhen": {
                **http_region("http://hooks.example.com/sz"),
                "allowInsecureHttp": True,
            },
        },
    )
    project.copy_fixture("secret", "staging")  # cn-beijing, auth key encrypted
    project.stack("broken", {"cn-nowhere": mns_region()})
    control = emulator.control
    changed = live_http("https://hooks.example.com/changed", "Live0Key1abc", ["FileUploadComplete"])
    control.console_edit("ap-southeast-1", changed)
    deploy_mns(emulator, "prod", "cn-shanghai")
    control.console_edit("cn-shenzhen", live_http("http://hooks.example.com/sz", "Other0Key1abc"))
    control.console_edit(
        "cn-beijing", live_http(key="Other0Key1abc", events=["FileUploadComplete"])
    )

    report, secrets = check(
        load_project(project.root),
        ["prod", "staging", "broken"],
        environ=env,
        checked_at="2026-11-28T12:00:00Z",
        emulator=emulator.base_url,
    )
    text = render(report, "markdown", secrets=secrets)

    if os.environ.get(UPDATE_ENV) == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), f"regenerate with {UPDATE_ENV}=1"
    assert report.exit_code == 1
