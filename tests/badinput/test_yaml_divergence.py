"""The drift check reads stack files with PyYAML; the Pulumi CLI with Go's yaml.v3.

docs/drift.md promises that a bad stack file gives the drift check "the same list of
problems, each with its config path, as pulumi preview". These tests feed the same files to
both readers and compare what load_settings makes of each; where they differ the test is an
xfail naming the bug. Ground truth comes from the real CLI (`pulumi config get --json`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.core.errors import ConfigError
from components.core.settings import load_settings
from components.drift.stackfile import StackFileError, load_project, read_stack
from devtools.stack import make_project
from emulator.testing import EmulatorProcess
from tests.badinput.corpus import CORPUS, load_case
from tests.reliability.harness import RecordingStack, engine_profile

YAML_BUG = (
    "BUG: components/drift/stackfile.py parses stack files with yaml.safe_load (YAML 1.1), "
    "the Pulumi CLI with yaml.v3, so the drift check validates a different config than "
    "`pulumi preview` (yes/no/on/off and 1:30 sexagesimal become bool/int, 1e3 stays a "
    "string, duplicate keys silently keep the last). Fix: a loader with YAML 1.2 core-schema "
    "resolvers that rejects duplicate keys and excessive aliasing (see "
    "tests/badinput/corpus.py parse_stack_file for the latter two)."
)
ODD_SCALARS: dict[str, str] = {
    # name: the queue block of an otherwise valid mns region
    "tag_value_on": "{tags: {env: on}}",
    "retention_1e3": "{retentionSeconds: 1e3}",
    "visibility_sexagesimal": "{visibilityTimeoutSeconds: 1:30}",
}


def stack_text(queue: str) -> str:
    return (
        "config:\n  ims-callbacks:callbacks:\n    regions:\n      cn-beijing:\n"
        f"        delivery: mns\n        events: [FileUploadComplete]\n        queue: {queue}\n"
    )


def verdict(value: Any) -> tuple[str, ...]:
    """``()`` if load_settings accepts the callbacks value, else the problem paths."""
    try:
        load_settings({"ims-callbacks:callbacks": value}, project="ims-callbacks", stack="s")
    except ConfigError as err:
        return tuple(sorted(p.path for p in err.problems))
    return ()


@pytest.mark.engine
@pytest.mark.xfail(strict=True, reason=YAML_BUG)
@pytest.mark.parametrize("name", sorted(ODD_SCALARS))
def test_drift_check_validates_what_the_cli_validates(
    name: str, pulumi_bin: Path, emulator: EmulatorProcess, tmp_path: Path
):
    project = make_project(tmp_path / "project")
    stack = RecordingStack(
        project, name.replace("_", "-"), engine_profile(pulumi_bin, tmp_path, emulator)
    )
    stack.init()
    stack.stack_file.write_text(stack_text(ODD_SCALARS[name]), encoding="utf-8")
    cli = json.loads(stack.run("config", "get", "ims-callbacks:callbacks", "--json").stdout)
    drift = read_stack(load_project(project), stack.name, {})
    assert verdict(drift.config["ims-callbacks:callbacks"]) == verdict(cli["value"])


@pytest.mark.xfail(strict=True, reason=YAML_BUG)
def test_drift_check_rejects_duplicate_keys_like_the_cli(tmp_path: Path):
    case = load_case(CORPUS / "yaml_duplicate_key.yaml")  # the CLI rejects it (test_cli.py)
    project = make_project(tmp_path / "project")
    (project / "Pulumi.dup.yaml").write_text(case.text, encoding="utf-8")
    with pytest.raises(StackFileError, match="already defined"):
        read_stack(load_project(project), "dup", {})


@pytest.mark.xfail(
    strict=True,
    reason=(
        "BUG: an alias bomb in a stack file hangs `python -m components.drift` (the CLI "
        "rejects it: 'excessive aliasing'): PyYAML builds it as shared references, then "
        "load_settings' _auth_keys() walks the whole tree, 10^9 leaves. Fix: look for auth "
        "keys only at defaults.auth.key and regions.*.auth.key (or memoise by id()), and "
        "reject excessive aliasing when reading stack files."
    ),
)
def test_drift_check_survives_an_alias_bomb(tmp_path: Path):
    case = load_case(CORPUS / "yaml_alias_bomb.yaml")
    project = make_project(tmp_path / "project")
    (project / "Pulumi.bomb.yaml").write_text(case.text, encoding="utf-8")
    cmd = [sys.executable, "-m", "components.drift", "--stack", "bomb", "--format", "json"]
    cmd += ["--project-dir", str(project), "--emulator", "http://127.0.0.1:9"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=8, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the drift check did not finish within 8 s")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
