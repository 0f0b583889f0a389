"""The drift check end to end against the emulator: statuses, errors, secrets, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from components.core.callback import CallbackSetting
from components.core.fingerprint import fingerprint
from components.drift.check import Reach, check, fetch_live
from components.drift.render import MARKER
from components.drift.stackfile import load_project
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import REPO_ROOT
from tests.drift.conftest import (
    CONFIRMED_REGIONS,
    FIXTURE_AUTH_KEY,
    TEST_PASSPHRASE,
    URL,
    VALIDATOR,
    create_queue,
    deploy_mns,
    http_region,
    live_http,
    live_mns,
    mns_region,
    queue_name,
)

KEY = "StackKey0123abcXYZ"
LIVE_KEY = "LiveKey0456defUVW"


def _json(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


def _regions(report: dict[str, Any], stack: str = "prod") -> dict[str, dict[str, Any]]:
    found = next(s for s in report["stacks"] if s["name"] == stack)
    return {r["region"]: r for r in found["regions"]}


def test_in_sync(project, emulator, drift):
    project.stack("prod", {"cn-shanghai": mns_region(), "cn-beijing": http_region(key=KEY)})
    deploy_mns(emulator, "prod", "cn-shanghai")
    emulator.control.console_edit("cn-beijing", live_http(key=KEY))

    run = drift("--stack", "prod", "--format", "json")

    assert run.code == 0
    report = _json(run.out)
    assert report["status"] == "in_sync"
    assert report["summary"] == "prod in sync"
    beijing = _regions(report)["cn-beijing"]
    assert [f["field"] for f in beijing["fields"]] == [
        "callbackType",
        "url",
        "events",
        "authEnabled",
        "authKey",
    ]
    assert {f["status"] for f in beijing["fields"]} == {"in_sync"}
    assert beijing["fields"][-1]["desired"] == fingerprint(KEY)
    counters = emulator.control.counters()
    # one call per region and one per queue the stack creates, nothing else
    assert counters["operations"] == {"GetEventCallback": 2, "GetQueueAttributes": 1}


def test_a_queue_edited_in_the_console_is_drift(project, emulator, drift):
    project.stack("prod", {"cn-shanghai": mns_region()})
    name = queue_name("prod", "cn-shanghai")
    create_queue(emulator, "cn-shanghai", name, retention_seconds=60, logging=True)
    emulator.control.console_edit("cn-shanghai", live_mns(name))

    run = drift("--stack", "prod", "--format", "json")

    assert run.code == 2
    region = _regions(_json(run.out))["cn-shanghai"]
    assert region["status"] == "drifted"
    drifted = {
        f["field"]: (f["desired"], f["live"]) for f in region["fields"] if f["status"] == "drifted"
    }
    assert drifted == {
        "queue.retentionSeconds": ("345600", "60"),
        "queue.logging": ("false", "true"),
    }


def test_a_deleted_queue_is_drift_and_a_named_existing_queue_is_not_read(project, emulator, drift):
    existing = {"name": "ice-callback-shared", "existing": True}
    project.stack(
        "prod", {"cn-shanghai": mns_region(), "cn-beijing": mns_region() | {"queue": existing}}
    )
    emulator.control.console_edit("cn-shanghai", live_mns(queue_name("prod", "cn-shanghai")))
    emulator.control.console_edit("cn-beijing", live_mns("ice-callback-shared"))
    emulator.control.reset_counters()

    run = drift("--stack", "prod", "--format", "json")

    assert run.code == 2
    regions = _regions(_json(run.out))
    assert regions["cn-beijing"]["status"] == "in_sync"
    shanghai = regions["cn-shanghai"]
    assert shanghai["status"] == "drifted"
    assert [(f["field"], f["live"]) for f in shanghai["fields"] if f["status"] == "drifted"] == [
        ("queue", "(missing)")
    ]
    assert emulator.control.counters()["regions"]["cn-beijing"] == {"GetEventCallback": 1}


def test_console_edit_is_reported_as_drift(project, emulator, drift):
    project.stack("prod", {"cn-shanghai": mns_region(), "cn-beijing": http_region(key=KEY)})
    deploy_mns(emulator, "prod", "cn-shanghai")
    emulator.control.console_edit("cn-beijing", live_http(key=KEY))
    emulator.control.console_edit(
        "cn-beijing",
        {"CallbackURL": "https://other.example.com/x", "EventTypeList": "FileUploadComplete"},
    )

    run = drift("--stack", "prod", "--format", "json")

    assert run.code == 2
    regions = _regions(_json(run.out))
    assert regions["cn-shanghai"]["status"] == "in_sync"
    beijing = regions["cn-beijing"]
    assert beijing["status"] == "drifted"
    drifted = {f["field"]: f for f in beijing["fields"] if f["status"] == "drifted"}
    assert set(drifted) == {"url", "events"}
    assert drifted["url"]["desired"] == URL
    assert drifted["url"]["live"] == "https://other.example.com/x"
    assert drifted["events"]["live"] == "FileUploadComplete"


def test_changed_auth_key_shows_fingerprints_only(project, emulator, drift):
    project.stack("prod", {"cn-beijing": http_region(key=KEY)})
    emulator.control.console_edit("cn-beijing", live_http(key=LIVE_KEY))

    runs = [
        drift("--stack", "prod", "--format", fmt, "--verbose")
        for fmt in ("table", "json", "markdown")
    ]

    for run in runs:
        assert run.code == 2
        assert fingerprint(KEY) in run.out
        assert fingerprint(LIVE_KEY) in run.out
        for secret in (KEY, LIVE_KEY, DEFAULT_ACCESS_KEY_SECRET):
            assert secret not in run.out + run.err


def test_secret_in_a_live_value_is_redacted(project, emulator, drift):
    """redact() is the last line of defence: the live URL here carries the stack's key."""
    project.stack("prod", {"cn-beijing": http_region(key=KEY)})
    emulator.control.console_edit("cn-beijing", live_http(url=f"{URL}?token={KEY}", key=KEY))

    for fmt in ("table", "json", "markdown"):
        run = drift("--stack", "prod", "--format", fmt, "--verbose")
        assert run.code == 2
        assert KEY not in run.out
        assert "[redacted]" in run.out


def test_region_with_nothing_set_is_not_configured(project, emulator, drift):
    project.stack("prod", {"cn-hangzhou": mns_region()})

    run = drift("--stack", "prod", "--format", "json")

    assert run.code == 2
    assert _regions(_json(run.out))["cn-hangzhou"]["status"] == "not_configured"
    assert _json(run.out)["summary"] == "1 of 1 region not configured in prod"


@pytest.mark.parametrize("fault", ["drop", "internal"])
def test_unreachable_region_is_an_error_and_the_others_are_reported(
    project, emulator, drift, fault
):
    regions = {r: mns_region() for r in ("cn-shanghai", "cn-beijing", "cn-hangzhou")}
    project.stack("prod", regions, **{"ims:retryAttempts": "3"})  # the provider's setting
    for region in ("cn-shanghai", "cn-beijing"):
        deploy_mns(emulator, "prod", region)
    deploy_mns(emulator, "prod", "cn-hangzhou", ["FileUploadComplete"])
    emulator.control.add_fault(fault, region="cn-beijing", operation="GetEventCallback")

    run = drift("--stack", "prod", "--format", "json")

    assert run.code == 1
    regions = _regions(_json(run.out))
    assert regions["cn-shanghai"]["status"] == "in_sync"
    assert regions["cn-hangzhou"]["status"] == "drifted"
    failed = regions["cn-beijing"]
    assert failed["status"] == "error"
    assert failed["error"].startswith("ice:GetEventCallback in cn-beijing failed: ")
    assert "3 attempts" in failed["error"]  # retried as ims:retryAttempts says, as preview
    assert failed["fields"] == []
    counters = emulator.control.counters()["regions"]
    assert counters["cn-shanghai"] == {"GetEventCallback": 1, "GetQueueAttributes": 1}
    assert counters["cn-beijing"] == {"GetEventCallback": 3, "GetQueueAttributes": 1}


def test_wrong_credentials_fail_every_region(project, emulator, drift, env):
    project.stack("prod", {"cn-shanghai": mns_region(), "cn-beijing": mns_region()})
    bad = env | {"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret-value"}

    run = drift("--stack", "prod", "--format", "json", env_override=bad)

    assert run.code == 1
    for region in _regions(_json(run.out)).values():
        assert region["status"] == "error"
        assert "SignatureDoesNotMatch" in region["error"]
    assert "wrong-secret-value" not in run.out
    assert emulator.control.counters()["total"] == 4  # a setting and a queue each, not retried


def test_missing_credentials_fail_without_any_call(project, emulator, drift, env):
    project.stack("prod", {"cn-shanghai": mns_region()})

    run = drift("--stack", "prod", "--format", "json", env_override={"HOME": env["HOME"]})

    assert run.code == 1
    error = _regions(_json(run.out))["cn-shanghai"]["error"]
    assert error.startswith("credentials: no Alibaba Cloud credentials found")
    assert emulator.control.counters()["total"] == 0


def test_credentials_from_the_stack_file(project, emulator, drift, env):
    project.stack(
        "prod",
        {"cn-shanghai": mns_region()},
        **{
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        },
    )
    deploy_mns(emulator, "prod", "cn-shanghai")

    run = drift("--stack", "prod", env_override={"HOME": env["HOME"]})

    assert run.code == 0, run.out


MALFORMED = {
    "cn-nowhere": mns_region(),
    "cn-beijing": {"delivery": "http", "events": ["FileUploadCompleted"]},
}


def test_malformed_stack_file_lists_config_paths_and_calls_nothing(project, emulator, drift):
    project.stack("prod", MALFORMED)

    run = drift("--stack", "prod")

    assert run.code == 1
    assert "ims-callbacks:callbacks.regions.cn-nowhere: is not an IMS region" in run.out
    assert "ims-callbacks:callbacks.regions.cn-beijing.url: is required" in run.out
    assert "ims-callbacks:callbacks.regions.cn-beijing.events[0]: unknown event" in run.out
    assert "did you mean 'FileUploadComplete'" in run.out
    assert emulator.control.counters()["total"] == 0


def test_malformed_stack_file_as_a_process_prints_no_traceback(project, emulator, env):
    project.stack("prod", MALFORMED)
    project.raw_stack("broken", "config:\n  ims-callbacks:callbacks: [unclosed\n")
    cmd = [sys.executable, "-m", "components.drift", "--project-dir", str(project.root)]
    run = subprocess.run(
        [*cmd, "--stack", "prod", "--stack", "broken", "--emulator", emulator.base_url],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env | {"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "3 problems in the stack configuration" in run.stdout
    assert "stacks/Pulumi.broken.yaml is not valid YAML at line 3" in run.stdout
    assert emulator.control.counters()["total"] == 0


def test_one_bad_stack_does_not_hide_the_others(project, emulator, drift):
    project.stack("prod", MALFORMED)
    project.stack("staging", {"cn-shanghai": mns_region()})
    deploy_mns(emulator, "staging", "cn-shanghai")

    run = drift("--stack", "prod", "--stack", "staging", "--format", "json")

    assert run.code == 1
    report = _json(run.out)
    assert [s["status"] for s in report["stacks"]] == ["error", "in_sync"]
    assert report["summary"] == "prod could not be checked; staging in sync"
    assert report["stacks"][0]["problems"][0].startswith("ims-callbacks:callbacks.regions.")


def test_unknown_stack_and_usage_errors_exit_1(project, emulator, drift):
    assert drift("--stack", "nope").code == 1
    with pytest.raises(SystemExit) as exc:
        drift("--format", "yaml", "--stack", "prod")
    assert exc.value.code == 1
    assert drift("--stack", "../etc/passwd").code == 1


def test_all_checks_every_stack_file(project, emulator, drift):
    for name in ("dev", "prod"):
        project.stack(name, {"cn-shanghai": mns_region()})
        deploy_mns(emulator, name, "cn-shanghai")

    run = drift("--all", "--format", "json")

    assert [s["name"] for s in _json(run.out)["stacks"]] == ["dev", "prod"]
    assert run.code == 2  # one queue name fits one stack only


def test_all_without_stack_files_is_an_error(drift):
    run = drift("--all")
    assert run.code == 1
    assert "no stack files" in run.err


def test_emulator_from_the_stack_file(project, emulator, capsys, env):
    project.stack("prod", {"cn-shanghai": mns_region()}, **{"ims:emulator": emulator.base_url})
    deploy_mns(emulator, "prod", "cn-shanghai")

    from components.drift.cli import main

    assert main(["--project-dir", str(project.root), "--stack", "prod"], env) == 0
    assert emulator.control.counters()["total"] == 2  # the setting and the queue


def test_bad_emulator_flag_is_refused(drift):
    run = drift("--stack", "prod", "--emulator", "http://example.com:80")
    assert run.code == 1
    assert "loopback" in run.err


def test_output_file_and_summary_on_stderr(project, emulator, drift, tmp_path):
    project.stack("prod", {"cn-hangzhou": mns_region()})
    out = tmp_path / "drift.md"

    run = drift("--stack", "prod", "--format", "markdown", "--output", str(out))

    assert run.code == 2
    assert run.out == ""
    assert "1 of 1 region not configured in prod" in run.err
    assert out.read_text().startswith("<!-- ims-callbacks-drift -->\n")


# ---------------------------------------------------------------------------- secrets


def test_encrypted_auth_key_without_passphrase_is_not_compared(project, emulator, drift, env):
    project.copy_fixture("secret", "prod")
    emulator.control.console_edit(
        "cn-beijing", live_http(key=LIVE_KEY, events=["FileUploadComplete"])
    )
    locked = {k: v for k, v in env.items() if k != "PULUMI_CONFIG_PASSPHRASE"}

    run = drift("--stack", "prod", "--format", "json", env_override=locked)

    assert run.code == 0  # everything that can be compared here matches
    key = _regions(_json(run.out))["cn-beijing"]["fields"][-1]
    assert key == {
        "field": "authKey",
        "status": "not_compared",
        "desired": "(encrypted)",
        "live": fingerprint(LIVE_KEY),
        "note": "encrypted in the stack file; cannot compare here (set PULUMI_CONFIG_PASSPHRASE)",
    }


@pytest.mark.parametrize(("live_key", "code"), [(FIXTURE_AUTH_KEY, 0), (LIVE_KEY, 2)])
def test_encrypted_auth_key_with_passphrase_is_compared(project, emulator, drift, live_key, code):
    project.copy_fixture("secret", "prod")
    emulator.control.console_edit(
        "cn-beijing", live_http(key=live_key, events=["FileUploadComplete"])
    )

    run = drift(
        "--stack",
        "prod",
        "--format",
        "json",
        extra_env={"PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE},
    )

    assert run.code == code
    key = _regions(_json(run.out))["cn-beijing"]["fields"][-1]
    assert key["field"] == "authKey"
    assert key["status"] == ("in_sync" if code == 0 else "drifted")
    assert key["desired"] == fingerprint(FIXTURE_AUTH_KEY)
    assert FIXTURE_AUTH_KEY not in run.out


def test_passphrase_file_and_encrypted_credentials(project, emulator, drift, env, tmp_path):
    project.copy_fixture("secretcreds", "prod")
    emulator.control.console_edit(
        "cn-beijing", live_http(key=FIXTURE_AUTH_KEY, events=["FileUploadComplete"])
    )
    phrase = tmp_path / "passphrase.txt"
    phrase.write_text(f"{TEST_PASSPHRASE}\n")
    home_only = {"HOME": env["HOME"]}

    locked = drift("--stack", "prod", "--format", "json", env_override=home_only)
    unlocked = drift(
        "--stack",
        "prod",
        "--format",
        "json",
        env_override=home_only | {"PULUMI_CONFIG_PASSPHRASE_FILE": str(phrase)},
    )

    assert locked.code == 1
    assert _regions(_json(locked.out))["cn-beijing"]["error"] == (
        "credentials: alicloud:secretKey is encrypted in the stack file"
        " (set PULUMI_CONFIG_PASSPHRASE)"
    )
    assert unlocked.code == 0, unlocked.out
    assert DEFAULT_ACCESS_KEY_SECRET not in unlocked.out


def test_wrong_passphrase_is_a_stack_error(project, emulator, drift, env):
    project.copy_fixture("secret", "prod")

    run = drift(
        "--stack",
        "prod",
        "--format",
        "json",
        env_override=env | {"PULUMI_CONFIG_PASSPHRASE": "nope"},
    )

    assert run.code == 1
    assert "incorrect passphrase" in _json(run.out)["stacks"][0]["error"]
    assert emulator.control.counters()["total"] == 0


def test_generated_key_is_not_compared(project, emulator, drift):
    project.stack("prod", {"cn-beijing": http_region()})
    emulator.control.console_edit("cn-beijing", live_http(key=LIVE_KEY))

    run = drift("--stack", "prod", "--format", "json")

    assert run.code == 0
    key = _regions(_json(run.out))["cn-beijing"]["fields"][-1]
    assert (key["status"], key["desired"]) == ("not_compared", "(generated)")
    assert key["note"] == "generated by the stack; compare with pulumi preview"


# ---------------------------------------------------------------------------- parallelism


def test_regions_are_fetched_in_parallel(project, emulator, env):
    project.stack("prod", {r: mns_region() for r in CONFIRMED_REGIONS})
    emulator.control.add_fault("latency", operation="GetEventCallback", latency_ms=200)
    lock = threading.Lock()
    in_flight = {"now": 0, "max": 0}

    def counting_fetch(region: str, reach: Reach) -> CallbackSetting:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        try:
            return fetch_live(region, reach)
        finally:
            with lock:
                in_flight["now"] -= 1

    report, _ = check(
        load_project(project.root),
        ["prod"],
        environ=env,
        checked_at="2026-01-01T00:00:00Z",
        emulator=emulator.base_url,
        fetch=counting_fetch,
    )

    assert report.counts.not_configured == 6
    assert in_flight["max"] == 6  # all six GetEventCallback calls were open at once
    counters = emulator.control.counters()
    assert counters["operations"] == {"GetEventCallback": 6, "GetQueueAttributes": 6}
    expected = {"GetEventCallback": 1, "GetQueueAttributes": 1}
    assert all(ops == expected for ops in counters["regions"].values())
    assert emulator.control.faults()[0]["fired"] == 6


def test_the_check_never_writes(project, emulator, drift):
    """Read-only: the only APIs used are GetEventCallback and GetQueueAttributes, and no file
    appears in the project."""
    project.stack("prod", {"cn-beijing": http_region(key=KEY), "cn-shanghai": mns_region()})
    before = sorted(p.relative_to(project.root) for p in Path(project.root).rglob("*"))

    drift("--stack", "prod", "--format", "markdown")

    assert set(emulator.control.counters()["operations"]) == {
        "GetEventCallback",
        "GetQueueAttributes",
    }
    assert sorted(p.relative_to(project.root) for p in Path(project.root).rglob("*")) == before


# ---------------------------------------------------------------------------- formats x exit codes


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
@pytest.mark.parametrize(
    "case",
    [
        ("in_sync", 0, "prod in sync"),
        ("drifted", 2, "1 of 2 regions drifted in prod"),
        ("error", 1, "1 of 2 regions drifted, 1 failed in prod"),
    ],
    ids=lambda case: case[0],
)
def test_every_format_and_exit_code(project, emulator, drift, fmt, case):
    scenario, code, summary = case
    project.stack("prod", {"cn-shanghai": mns_region(), "cn-beijing": http_region(key=KEY)})
    deploy_mns(emulator, "prod", "cn-shanghai")
    emulator.control.console_edit("cn-beijing", live_http(key=KEY))
    if scenario != "in_sync":
        emulator.control.console_edit("cn-beijing", {"AuthSwitch": "off"})
    if scenario == "error":
        emulator.control.add_fault("forbidden", region="cn-shanghai")

    run = drift("--stack", "prod", "--format", fmt)

    assert run.code == code
    assert KEY not in run.out
    if fmt == "json":
        document = _json(run.out)
        VALIDATOR.validate(document)
        assert (document["exitCode"], document["summary"]) == (code, summary)
    elif fmt == "markdown":
        assert run.out.splitlines()[:2] == [MARKER, f"**ims-callbacks drift:** {summary}"]
    else:
        assert run.out.startswith(f"ims-callbacks drift: {summary}\n")


# ---------------------------------------------------------------------------- retries


@pytest.mark.parametrize(("setting", "attempts"), [(None, 10), ("2", 2), (4, 4)])
def test_failed_reads_are_retried_as_the_provider_retries(  # noqa: PLR0917 - fixtures
    project, emulator, drift, monkeypatch, setting, attempts
):
    """ims:retryAttempts (the provider's setting, default 10) decides the attempts here too,
    so a failure reads as in preview, "(N attempts)" included."""
    monkeypatch.setattr("time.sleep", lambda _seconds: None)  # the backoff, not the attempts
    config = {} if setting is None else {"ims:retryAttempts": setting}
    project.stack("prod", {"cn-beijing": http_region(key=KEY)}, **config)
    emulator.control.add_fault("throttle", region="cn-beijing", operation="GetEventCallback")
    run = drift("--stack", "prod", "--format", "json")
    error = _regions(_json(run.out))["cn-beijing"]["error"]
    assert f", {attempts} attempts)" in error
    assert error.endswith(f"Fix: still throttled after {attempts} attempts; run again later.")
    assert emulator.control.counters()["operations"] == {"GetEventCallback": attempts}


@pytest.mark.parametrize("value", ["0", "21", "ten", "2.5", True])
def test_a_bad_retry_setting_stops_the_stack_with_the_fix(project, emulator, drift, value):
    project.stack("prod", {"cn-beijing": http_region(key=KEY)}, **{"ims:retryAttempts": value})
    run = drift("--stack", "prod", "--format", "json")
    assert run.code == 1
    stack = _json(run.out)["stacks"][0]
    assert stack["error"].startswith("ims:retryAttempts must be a whole number from 1 to 20")
    assert "pulumi config set ims:retryAttempts 10" in stack["error"]
    assert emulator.control.counters()["total"] == 0
