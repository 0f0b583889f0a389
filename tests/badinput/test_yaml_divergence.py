"""The drift check reads stack files as the Pulumi CLI does (Go's yaml.v3), not as PyYAML.

docs/drift.md promises that a bad stack file gives the drift check "the same list of
problems, each with its config path, as pulumi preview". These tests feed the same files to
both readers: components.drift.yamlv3 and the real CLI (`pulumi config --json`), which is the
ground truth. Plain PyYAML (YAML 1.1) fails them: on/yes are booleans, 1:30 is 90, 1e3 a
string, duplicate keys keep the last value, and an alias bomb hangs the drift check.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.core.errors import ConfigError
from components.core.stack_config import load_settings
from components.drift.stackfile import StackFileError, load_project, read_stack
from devtools.stack import make_project
from emulator.testing import EmulatorProcess
from tests.badinput.corpus import CORPUS, load_case
from tests.engine_profile import engine_profile
from tests.reliability.harness import RecordingStack

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


def test_drift_check_rejects_duplicate_keys_like_the_cli(tmp_path: Path):
    case = load_case(CORPUS / "yaml_duplicate_key.yaml")  # the CLI rejects it (test_cli.py)
    project = make_project(tmp_path / "project")
    (project / "Pulumi.dup.yaml").write_text(case.text, encoding="utf-8")
    with pytest.raises(StackFileError, match='at line 7: mapping key "cn-beijing" already defined'):
        read_stack(load_project(project), "dup", {})


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
    [stack] = json.loads(proc.stdout)["stacks"]
    assert stack["error"] == (
        "stack file Pulumi.bomb.yaml is not valid YAML: document contains excessive aliasing; "
        "write the repeated values out instead of nesting aliases"
    )


# Plain scalars and what the Pulumi program receives for them (inside a config object, after
# the CLI's JSON round trip), as recorded from pulumi v3.274.1; the engine test re-checks them
# against the installed CLI.
SCALARS: dict[str, Any] = {
    "on": "on",
    "yes": "yes",
    "True": True,
    "FALSE": False,
    "~": None,
    "1:30": "1:30",
    "1e3": 1000,
    "1.0": 1,
    "1.": 1,
    ".5": 0.5,
    ".5_5": 0.55,
    "1__0.5": 10.5,
    "1e21": 1e21,
    "1e999": "1e999",
    "0777": 511,
    "08": 8,
    "0o17": 15,
    "0b101": 5,
    "0x1F": 31,
    "+0x1f": 31,
    "0x": "0x",
    "1_000": 1000,
    "-0": 0,
    "9007199254740993": 9007199254740993,
    "18446744073709551615": 18446744073709552000,
    "-9223372036854775809": -9223372036854776000,
}
PROBE_KEY = "ims-callbacks:probe"


def probe_text() -> str:
    lines = "".join(f"    k{i:02d}: {text}\n" for i, text in enumerate(SCALARS))
    return f"config:\n  {PROBE_KEY}:\n{lines}"


def same(a: Any, b: Any) -> bool:
    """Equal including types (True is not 1, 1.0 is not 1)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


EXPECTED = {f"k{i:02d}": value for i, value in enumerate(SCALARS.values())}
SCALARS_BY_KEY = {f"k{i:02d}": text for i, text in enumerate(SCALARS)}


def test_drift_check_reads_plain_scalars_as_the_cli_does(tmp_path: Path):
    project = make_project(tmp_path / "project")
    (project / "Pulumi.probe.yaml").write_text(probe_text(), encoding="utf-8")
    got = read_stack(load_project(project), "probe", {}).config[PROBE_KEY]
    mismatches = {SCALARS_BY_KEY[k]: got[k] for k in EXPECTED if not same(got[k], EXPECTED[k])}
    assert mismatches == {}


def alias_heavy(anchor_size: int, uses: int) -> str:
    """An anchor of ``anchor_size`` nodes used ``uses`` times."""
    items = ",".join(["1"] * anchor_size)
    return f"d: &d [{items}]\nu: [{','.join(['*d'] * uses)}]\n"


YAML_CASES: dict[str, tuple[str, str | None]] = {
    # name: (the probe value's mapping, a phrase of the error both must report, or None)
    "duplicate_quoted_key": ('"k": 1\nk: 2\n', 'mapping key "k" already defined at line 3'),
    "duplicate_merge_key": (
        "x: &x {p: 1}\ny: &y {q: 2}\nz:\n  <<: *x\n  <<: *y\n",
        'mapping key "<<" already defined',
    ),
    "merge_key": ("x: &x {p: 1, q: 1}\nz:\n  <<: *x\n  q: 2\n", None),
    "redefined_anchor": ("a: &x 1\nb: &x 2\nc: *x\n", None),
    "anchor_contains_itself": ("a: &a [1, *a]\n", "value contains itself"),
    "aliases_99_3_percent": (alias_heavy(200, 500), "excessive aliasing"),
    "aliases_97_9_percent": (alias_heavy(50, 500), None),
}


@pytest.mark.engine
def test_plain_scalars_match_the_installed_cli(
    pulumi_bin: Path, emulator: EmulatorProcess, tmp_path: Path
):
    project = make_project(tmp_path / "project")
    stack = RecordingStack(project, "probe", engine_profile(pulumi_bin, tmp_path, emulator))
    stack.init()
    stack.stack_file.write_text(probe_text(), encoding="utf-8")
    cli = json.loads(json.loads(stack.run("config", "get", PROBE_KEY, "--json").stdout)["value"])
    mismatches = {SCALARS_BY_KEY[k]: cli[k] for k in EXPECTED if not same(cli[k], EXPECTED[k])}
    assert mismatches == {}


@pytest.mark.engine
@pytest.mark.parametrize("name", sorted(YAML_CASES))
def test_drift_check_accepts_and_rejects_what_the_cli_does(
    name: str, pulumi_bin: Path, emulator: EmulatorProcess, tmp_path: Path
):
    body, phrase = YAML_CASES[name]
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    project = make_project(tmp_path / "project")
    stack = RecordingStack(
        project, name.replace("_", "-"), engine_profile(pulumi_bin, tmp_path, emulator)
    )
    stack.init()
    stack.stack_file.write_text(f"config:\n  {PROBE_KEY}:\n{indented}", encoding="utf-8")
    cli = stack.run("config", "--json", check=False)
    if phrase is None:
        assert cli.returncode == 0, cli.stderr
        value = json.loads(json.loads(cli.stdout)[PROBE_KEY]["value"])
        drift = read_stack(load_project(project), stack.name, {})
        assert same(drift.config[PROBE_KEY], value)
    else:
        assert cli.returncode != 0
        assert phrase in cli.stderr + cli.stdout
        with pytest.raises(StackFileError, match=re.escape(phrase)):
            read_stack(load_project(project), stack.name, {})
