"""Level (b): a representative subset of the corpus through the real CLI (preview and up).

Each case becomes the stack file of a project mirror; `pulumi preview` and `pulumi up` must
both exit non-zero, with the same code, with the `ims-callbacks:<path>` lines (or, for
YAML-level cases, the CLI's YAML error), no Python traceback anywhere, zero emulator calls and
no resources in state.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.stack import make_project
from emulator.testing import EmulatorProcess
from tests.badinput.corpus import CORPUS, load_case
from tests.engine_profile import engine_profile
from tests.reliability.harness import RecordingStack

pytestmark = pytest.mark.engine

CLI_CASES = [
    "url_http_without_allow",
    "url_newline",
    "auth_key_no_digit",
    "region_typo",
    "typo_top_level_region",
    "emulator_non_loopback",
    "yaml_duplicate_key",
    "yaml_yes_no_on_words",
    "yaml_anchor_alias_bad_url",
    "yaml_float_exponent",
    "yaml_null_region",
    "yaml_tab_indentation",
    "yaml_alias_bomb",
    "huge_deep_json",
    "typo_namespace_emulater",
    "auth_key_plaintext",
    "flag_one_and_yes",
    "url_two_urls",
    "deep_nesting_yaml",
]
"""Not huge_20k_events: the CLI hands the program its config in one environment variable,
and Linux caps one at 128 KiB, so the CLI fails with ``argument list too long`` before the
program starts (the drift check reports the config path; see test_agreement.py)."""


@pytest.mark.parametrize("name", CLI_CASES)
def test_preview_and_up_fail_cleanly_before_any_api_call(
    name: str, pulumi_bin: Path, emulator: EmulatorProcess, tmp_path: Path
):
    case = load_case(CORPUS / f"{name}.yaml")
    profile = engine_profile(pulumi_bin, tmp_path, emulator)
    stack = RecordingStack(make_project(tmp_path / "project"), "bad", profile)
    if name.startswith("emulator_"):  # the env override would mask the stack file's value
        stack.env_overrides["IMS_CALLBACKS_EMULATOR"] = ""
    stack.init()
    stack.stack_file.write_text(case.text, encoding="utf-8")
    emulator.control.reset_counters()

    preview = stack.run("preview", "--diff", check=False)
    up = stack.run("up", "--yes", check=False)
    assert up.returncode == preview.returncode != 0, preview.stdout + preview.stderr
    for run in (preview, up):
        output = run.stdout + run.stderr
        if case.yaml_error:
            assert case.yaml_error in output, output[-3000:]
        for expect in case.expects:
            namespace = "ims" if expect == "emulator" else "ims-callbacks"
            assert f"{namespace}:{expect}: " in output, output[-3000:]
        assert "Traceback" not in output
        for secret in case.secrets:
            assert secret not in output
    assert emulator.control.counters()["total"] == 0
    stack.stack_file.write_text("config: {}\n", encoding="utf-8")  # export needs a valid file
    assert stack.resources() == []
