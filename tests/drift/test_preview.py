"""Drift rendered from ``pulumi preview --refresh --json`` (``--from-preview``).

The fixtures in fixtures/ were written by the real CLI (v3.274.1) against the emulator, then
trimmed (timestamps, property dependencies, the repeated state of refresh steps, local paths);
fixtures/README.md says how. The engine test at the end runs the CLI itself.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.core.fingerprint import fingerprint
from components.drift.cli import main
from components.drift.preview import NO_REFRESH, SECRET_SIG, SECRET_TAG
from tests.drift.conftest import VALIDATOR

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_KEY = "FixtureKey2026abc"
"""The auth key the fixtures' stacks declared (the CLI printed it only as ``[secret]``)."""
CONSOLE_KEY = "ConsoleKey2026xyz"
"""The auth key the console edit set."""
FORMATS = ("table", "json", "markdown")


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


def run(
    capsys: pytest.CaptureFixture[str],
    text: str,
    *args: str,
    tmp_path: Path,
    fmt: str = "json",
) -> tuple[int, str, str]:
    """The CLI on ``text`` (written to a file): exit code, stdout, stderr."""
    source = tmp_path / "preview.json"
    source.write_text(text, encoding="utf-8")
    code = main(["--from-preview", str(source), "--format", fmt, *args], {})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def report(capsys: pytest.CaptureFixture[str], text: str, tmp_path: Path, *args: str) -> Any:
    code, out, _ = run(capsys, text, *args, tmp_path=tmp_path)
    data = json.loads(out)
    VALIDATOR.validate(data)
    assert data["exitCode"] == code
    return data


def regions(data: Any) -> dict[str, Any]:
    return {r["region"]: r for r in data["stacks"][0]["regions"]}


def fields(region: Any) -> dict[str, tuple[str, str, str]]:
    return {f["field"]: (f["status"], f["desired"], f["live"]) for f in region["fields"]}


def drifted(region: Any) -> list[str]:
    return [f["field"] for f in region["fields"] if f["status"] == "drifted"]


# ----------------------------------------------------------------------------- in sync, drift


@pytest.mark.parametrize(
    "case",
    [
        ("in_sync", "prod", "ims-resources", {"cn-beijing": "http", "cn-shanghai": "mns"}),
        (
            "component_in_sync",
            "staging",
            "ims-callbacks",
            {"cn-hangzhou": "http", "us-west-1": "mns"},
        ),
    ],
)
def test_in_sync_is_exit_0_with_every_region(capsys, tmp_path, case):
    name, stack, project, expected = case
    data = report(capsys, fixture(name), tmp_path)

    assert data["exitCode"] == 0
    assert data["status"] == "in_sync"
    assert data["project"] == project
    assert data["summary"] == f"{stack} in sync"
    assert {r: v["delivery"] for r, v in regions(data).items()} == expected
    assert all(v["status"] == "in_sync" for v in regions(data).values())
    assert data["stacks"][0]["warnings"] == []


def test_console_edit_is_drift_with_the_fields_the_check_uses(capsys, tmp_path):
    data = report(capsys, fixture("drifted"), tmp_path)

    assert data["exitCode"] == 2
    assert data["summary"] == "2 of 2 regions drifted in prod"
    found = regions(data)
    assert fields(found["cn-beijing"]) == {
        "callbackType": ("in_sync", "HTTP", "HTTP"),
        "url": ("drifted", "https://hooks.example.com/bj", "https://console.example.com/x"),
        "events": ("drifted", "FileUploadComplete, ProduceMediaComplete", "FileUploadComplete"),
        "authEnabled": ("in_sync", "on", "on"),
        "authKey": ("drifted", "[secret]", "[secret]"),
    }
    key = next(f for f in found["cn-beijing"]["fields"] if f["field"] == "authKey")
    assert key["note"] == "secret: the preview shows only that it changed"
    shanghai = fields(found["cn-shanghai"])
    assert drifted(found["cn-shanghai"]) == ["events"]
    assert shanghai["events"] == (
        "drifted",
        "FileUploadComplete",
        "FileUploadComplete, ProduceMediaComplete",
    )
    assert shanghai["queue.retentionSeconds"] == ("in_sync", "345600", "345600")
    assert data["stacks"][0]["warnings"] == [
        "1 other resource would change (1 update): not IMS callback settings or queues, so not "
        "part of this report; see the preview"
    ]


def test_component_project_markdown_looks_like_the_check(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        fixture("component_drifted"),
        "--stack",
        "staging",
        tmp_path=tmp_path,
        fmt="markdown",
    )

    assert code == 2
    lines = out.splitlines()
    assert lines[0] == "<!-- ims-callbacks-drift -->"
    assert lines[1] == "**ims-callbacks drift:** 1 of 2 regions drifted in staging"
    assert "Preview file `" in out
    assert "| `cn-hangzhou` | ⚠️ drifted | http | `url`, `events`, `authKey` |" in lines
    assert "| `us-west-1` | ✅ in sync | mns |  |" in lines
    assert (
        "| `url` | ⚠️ drifted | `https://hooks.example.com/hz` | `https://console.example.com/hz` |"
        in lines
    )
    assert "| `authKey` | ⚠️ drifted | `[secret]` | `[secret]` |" in lines
    assert "exit code 2" in lines[3]


def test_stack_name_comes_from_the_urns_unless_given(capsys, tmp_path):
    assert report(capsys, fixture("drifted"), tmp_path)["stacks"][0]["name"] == "prod"
    named = report(capsys, fixture("drifted"), tmp_path, "--stack", "production")
    assert named["stacks"][0]["name"] == "production"
    assert named["summary"] == "2 of 2 regions drifted in production"


def test_replace_create_and_queue_update(capsys, tmp_path):
    data = report(capsys, fixture("replace"), tmp_path)

    assert data["exitCode"] == 2
    found = regions(data)
    assert {r: v["status"] for r, v in found.items()} == {
        "cn-beijing": "in_sync",
        "cn-hangzhou": "not_configured",
        "cn-shanghai": "drifted",
        "cn-shenzhen": "not_configured",
    }
    moved = "replaced: the setting moves from cn-shanghai to cn-shenzhen"
    old = found["cn-shanghai"]["fields"]
    assert old[0] == {
        "field": "callbackType",
        "status": "drifted",
        "desired": "(deleted)",
        "live": "MNS",
        "note": moved,
    }
    assert fields(found["cn-shanghai"])["queue.retentionSeconds"] == ("drifted", "86400", "345600")
    new = fields(found["cn-shenzhen"])
    assert new["queueName"] == ("drifted", "ice-callback-prod-sz", "(not deployed)")
    assert found["cn-shenzhen"]["fields"][0]["note"] == moved
    assert found["cn-hangzhou"]["fields"][0]["note"] == (
        "not in the stack's state: pulumi up creates it"
    )


def test_a_region_moved_in_a_component_and_other_resources_counted(capsys, tmp_path):
    data = report(capsys, fixture("component_moved"), tmp_path)

    assert data["exitCode"] == 2
    found = regions(data)
    assert found["ap-southeast-1"]["status"] == "not_configured"
    assert fields(found["ap-southeast-1"])["queue"] == (
        "drifted",
        "ice-callback-staging-ap",
        "(missing)",
    )
    assert found["us-west-1"]["status"] == "drifted"
    assert fields(found["us-west-1"])["queue"] == (
        "drifted",
        "(deleted)",
        "ice-callback-staging-us",
    )
    assert found["us-west-1"]["fields"][0]["note"] == (
        "no longer declared: pulumi up deletes it (onDelete: restore)"
    )
    assert drifted(found["cn-hangzhou"]) == ["url", "events", "authKey"]
    assert data["stacks"][0]["warnings"] == [
        "4 other resources would change (2 create, 2 delete): not IMS callback settings or "
        "queues, so not part of this report; see the preview"
    ]


def test_only_other_resources_changing_is_in_sync_with_a_count_line(capsys, tmp_path):
    document = json.loads(fixture("drifted"))
    document["steps"] = [
        s for s in document["steps"] if "ims:index" not in s["urn"] or s["op"] == "refresh"
    ]

    data = report(capsys, json.dumps(document), tmp_path)

    assert data["exitCode"] == 0
    assert data["stacks"][0]["warnings"][0].startswith("1 other resource would change (1 update)")


def test_a_behaviour_input_change_is_drift_and_named(capsys, tmp_path):
    document = json.loads(fixture("drifted"))
    step = next(s for s in document["steps"] if s["op"] == "update" and s["urn"].endswith("::bj"))
    step["newState"]["inputs"]["onDelete"] = "retain"
    step["detailedDiff"] = {"onDelete": {"kind": "update", "inputDiff": False}}
    step["diffReasons"] = ["onDelete"]

    data = report(capsys, json.dumps(document), tmp_path)

    beijing = regions(data)["cn-beijing"]
    assert beijing["status"] == "drifted"
    assert drifted(beijing) == []
    assert (
        "cn-beijing: pulumi up also changes onDelete (restore -> retain)"
        in (data["stacks"][0]["warnings"])
    )


# ------------------------------------------------------------------------------------ secrets


def _visible_keys(text: str) -> str:
    """The drifted fixture with both auth keys of the update step in plain sight, in the two
    forms a preview could show them: the state format's secret object and a bare string."""
    document = json.loads(text)
    step = next(s for s in document["steps"] if s["op"] == "update" and s["urn"].endswith("::bj"))
    plaintext = json.dumps(FIXTURE_KEY)
    step["newState"]["inputs"]["authKey"] = {SECRET_SIG: SECRET_TAG, "plaintext": plaintext}
    step["oldState"]["inputs"]["authKey"] = CONSOLE_KEY
    document["diagnostics"].append(
        {"message": f"warning: ims: key {CONSOLE_KEY} seen\n", "severity": "warning"}
    )
    return json.dumps(document)


def test_visible_auth_keys_show_only_as_fingerprints(capsys, tmp_path):
    text = _visible_keys(fixture("drifted"))
    data = report(capsys, text, tmp_path)

    beijing = fields(regions(data)["cn-beijing"])
    assert beijing["authKey"] == ("drifted", fingerprint(FIXTURE_KEY), fingerprint(CONSOLE_KEY))
    assert "ims: key [redacted] seen" in data["stacks"][0]["warnings"]
    for fmt in FORMATS:
        code, out, err = run(capsys, text, tmp_path=tmp_path, fmt=fmt)
        assert code == 2
        assert FIXTURE_KEY not in out + err
        assert CONSOLE_KEY not in out + err


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_in_any_output(capsys, tmp_path, name, fmt):
    code, out, err = run(capsys, fixture(name), "--verbose", tmp_path=tmp_path, fmt=fmt)

    assert code in (0, 1, 2)
    for secret in (FIXTURE_KEY, CONSOLE_KEY):
        assert secret not in out + err


# ------------------------------------------------------------------------------------- errors


def test_a_failed_read_is_an_error_on_its_region(capsys, tmp_path):
    data = report(capsys, fixture("failed"), tmp_path)

    assert data["exitCode"] == 1
    stack = data["stacks"][0]
    assert stack["error"] == "preview failed"
    beijing = regions(data)["cn-beijing"]
    assert beijing["status"] == "error"
    assert beijing["error"].startswith("ice:GetEventCallback in cn-beijing failed: Forbidden.RAM")
    assert "cn-shanghai" not in regions(data)  # never diffed: not claimed to be in sync
    assert (
        "the preview failed, so regions without a change or an error are not listed"
        in (stack["warnings"])
    )


def test_a_config_error_lists_its_problems(capsys, tmp_path):
    data = report(capsys, fixture("config_error"), tmp_path)

    assert data["exitCode"] == 1
    stack = data["stacks"][0]
    assert stack["error"] == "1 problem in the stack configuration; nothing was changed:"
    assert stack["problems"][0].startswith(
        "ims-callbacks:callbacks.regions.cn-nowhere: is not an IMS region"
    )
    assert data["summary"] == "staging could not be checked"


def test_a_program_failure_is_an_error_without_the_traceback(capsys, tmp_path):
    data = report(capsys, fixture("program_failed"), tmp_path)

    assert data["exitCode"] == 1
    stack = data["stacks"][0]
    assert stack["error"] == "Program failed with an unhandled exception:"
    assert stack["problems"][0].startswith("json.decoder.JSONDecodeError: Expecting property name")
    assert not any("File " in p for p in stack["problems"])


def test_a_preview_without_refresh_is_an_error(capsys, tmp_path):
    data = report(capsys, fixture("no_refresh"), tmp_path)

    assert data["exitCode"] == 1
    stack = data["stacks"][0]
    assert stack["error"] == NO_REFRESH
    assert not any("last stored state" in w for w in stack["warnings"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the input is empty: `pulumi preview` printed nothing on stdout"),
        ("   \n", "the input is empty"),
        ("Previewing update (prod):\n", "not JSON (Expecting value at line 1 column 1)"),
        ('{"steps": [', "not JSON (Expecting value at line 1 column 12)"),
        ("[]", "not the output of `pulumi preview --json`"),
        ('{"resources": []}', "not the output of `pulumi preview --json`"),
        ('{"steps": {}}', "steps is not a list"),
        ('{"steps": [1]}', "steps[0] is not an object"),
        ('{"steps": [{"op": "update"}]}', "steps[0] has no op or urn"),
        ('{"steps": [], "diagnostics": "x"}', "diagnostics is not a list"),
    ],
)
def test_unreadable_input_is_exit_1_with_why(capsys, tmp_path, text, message):
    code, out, _ = run(capsys, text, "--stack", "prod", tmp_path=tmp_path)

    data = json.loads(out)
    VALIDATOR.validate(data)
    assert code == 1
    error = data["stacks"][0]["error"]
    assert error.startswith("cannot read the preview: ")
    assert message in error
    assert data["summary"] == "prod could not be checked"


def test_a_truncated_preview_is_exit_1(capsys, tmp_path):
    code, out, _ = run(capsys, fixture("drifted")[:2000], tmp_path=tmp_path, fmt="table")

    assert code == 1
    assert "cannot read the preview: not JSON" in out


def test_an_unknown_callback_type_is_exit_1(capsys, tmp_path):
    text = fixture("drifted").replace('"callbackType": "MNS"', '"callbackType": "SMS"')

    code, out, _ = run(capsys, text, tmp_path=tmp_path, fmt="table")

    assert code == 1
    assert "unsupported CallbackType 'SMS'" in out


# -------------------------------------------------------------------------------- command line


def test_stdin_and_output_file(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO(fixture("drifted")))
    output = tmp_path / "drift.md"

    code = main(["--from-preview", "-", "--format", "markdown", "--output", str(output)], {})

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == (
        f"ims-callbacks drift: 2 of 2 regions drifted in prod (report: {output})\n"
    )
    assert "Preview file `(stdin)`." in output.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--from-preview", "p.json", "--all"],
        ["--from-preview", "p.json", "--emulator", "http://127.0.0.1:18100"],
        ["--from-preview", "p.json", "--project-dir", "."],
        ["--from-preview", "p.json", "--stacks-dir", "stacks"],
        ["--from-preview", "p.json", "--stack", "a", "--stack", "b"],
        ["--from-preview", "p.json", "--format", "yaml"],
    ],
)
def test_usage_errors_exit_1(capsys, args):
    with pytest.raises(SystemExit) as exc:
        main(args, {})
    assert exc.value.code == 1
    assert "error:" in capsys.readouterr().err


def test_a_missing_file_is_exit_1(capsys, tmp_path):
    code = main(["--from-preview", str(tmp_path / "nope.json")], {})

    assert code == 1
    assert "error: cannot read" in capsys.readouterr().err


# ------------------------------------------------------------------------------- real engine

PROGRAM = Path(__file__).parents[1] / "engine" / "programs" / "resources" / "__main__.py"


def _resources_project(root: Path) -> None:
    from devtools.stack import PACKAGE_DIR

    root.mkdir(parents=True)
    project = {
        "name": "ims-resources",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": sys.prefix}},
        "packages": {"ims": str(PACKAGE_DIR)},
    }
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    shutil.copy(PROGRAM, root / "__main__.py")
    resources = {
        "bj": {
            "type": "ims:index:EventCallback",
            "properties": {
                "region": "cn-beijing",
                "callbackType": "HTTP",
                "url": "https://hooks.example.com/bj",
                "events": ["FileUploadComplete", "ProduceMediaComplete"],
                "authEnabled": True,
                "authKey": FIXTURE_KEY,  # declared secret by the program
            },
        },
        "sh-queue": {
            "type": "ims:index:CallbackQueue",
            "properties": {"region": "cn-shanghai", "queueName": "ice-callback-engine-sh"},
        },
        "sh": {
            "type": "ims:index:EventCallback",
            "properties": {
                "region": "cn-shanghai",
                "callbackType": "MNS",
                "queueName": "ice-callback-engine-sh",
                "events": ["FileUploadComplete"],
            },
        },
    }
    (root / "resources.json").write_text(json.dumps(resources))


def _render(preview: str, fmt: str) -> subprocess.CompletedProcess[str]:
    """``pulumi preview ... | python -m components.drift --from-preview -``, as CI runs it."""
    cmd = [sys.executable, "-m", "components.drift", "--from-preview", "-", "--stack", "test"]
    return subprocess.run(
        [*cmd, "--format", fmt],
        input=preview,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.engine
def test_engine_preview_after_a_console_edit_then_after_up(pulumi_bin, emulator, tmp_path):
    from devtools.stack import CliStack
    from tests.engine_profile import engine_profile

    root = tmp_path / "resources"
    _resources_project(root)
    stack = CliStack(root, "test", engine_profile(pulumi_bin, tmp_path, emulator))
    stack.init()
    stack.run("up", "--yes", "--skip-preview")
    emulator.control.console_edit(
        "cn-beijing",
        {
            "CallbackURL": "https://console.example.com/x",
            "EventTypeList": "FileUploadComplete",
            "AuthKey": CONSOLE_KEY,
        },
    )

    preview = stack.run("preview", "--refresh", "--json")
    outputs = {fmt: _render(preview.stdout, fmt) for fmt in FORMATS}

    markdown = outputs["markdown"]
    assert markdown.returncode == 2, markdown.stdout + markdown.stderr
    lines = markdown.stdout.splitlines()
    assert lines[1] == "**ims-callbacks drift:** 1 of 2 regions drifted in test"
    assert "| `cn-beijing` | ⚠️ drifted | http | `url`, `events`, `authKey` |" in lines
    assert "| `cn-shanghai` | ✅ in sync | mns |  |" in lines
    assert (
        "| `url` | ⚠️ drifted | `https://hooks.example.com/bj` | `https://console.example.com/x` |"
        in lines
    )
    assert all(o.returncode == 2 for o in outputs.values())
    everything = preview.stdout + preview.stderr
    everything += "".join(o.stdout + o.stderr for o in outputs.values())
    for secret in (FIXTURE_KEY, CONSOLE_KEY, stack.profile.passphrase):
        assert secret not in everything

    stack.run("up", "--yes", "--refresh", "--skip-preview")
    again = stack.run("preview", "--refresh", "--json")
    repaired = _render(again.stdout, "markdown")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert repaired.stdout.splitlines()[1] == "**ims-callbacks drift:** test in sync"
    assert FIXTURE_KEY not in again.stdout + repaired.stdout + repaired.stderr
