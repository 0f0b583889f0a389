"""Persistence, concurrency, reset, console edits, the admin API and the serve command."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_mns_open20220119 import models as mns_models

from emulator.control import EmulatorControl, EmulatorControlError
from emulator.testing import REPO_ROOT, EmulatorStartError, start_emulator
from tests.emulator.helpers import ice, mns

URL = "https://hooks.example.com/ims"


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
        timeout=60,
    )


def test_state_survives_a_restart(tmp_path):
    state_file = tmp_path / "state.json"
    with start_emulator(state_file) as first:
        mns(first).create_queue(mns_models.CreateQueueRequest(queue_name="ice-callback-q"))
        ice(first).set_event_callback(
            ice_models.SetEventCallbackRequest(
                callback_type="MNS",
                callback_queue_name="ice-callback-q",
                event_type_list="FileUploadComplete",
            )
        )
        first.control.fire_event("cn-beijing", "FileUploadComplete")
    with start_emulator(state_file) as second:
        assert second.port != 0
        body = ice(second).get_event_callback().body
        assert (body.callback_type, body.callback_queue_name) == ("MNS", "ice-callback-q")
        [message] = second.control.receive_messages("cn-beijing", "ice-callback-q")
        assert json.loads(message["MessageBody"])["EventType"] == "FileUploadComplete"


def test_fifty_parallel_sets_leave_a_valid_state_file(emu):
    urls = [f"{URL}/{i}" for i in range(50)]

    def set_url(url):
        request = ice_models.SetEventCallbackRequest(callback_type="HTTP", callback_url=url)
        return ice(emu).set_event_callback(request).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert list(pool.map(set_url, urls)) == [200] * 50
    on_disk = json.loads(emu.state_file.read_text())
    stored = on_disk["regions"]["cn-beijing"]["callback"]["CallbackURL"]
    assert stored in urls
    assert emu.control.counters()["operations"] == {"SetEventCallback": 50}
    assert ice(emu).get_event_callback().body.callback_url == stored
    assert [p.name for p in emu.state_file.parent.iterdir() if p.suffix == ".tmp"] == []


def test_console_edit_cli_is_seen_by_the_api(emu):
    ice(emu).set_event_callback(
        ice_models.SetEventCallbackRequest(
            callback_type="HTTP", callback_url=URL, auth_switch="on", auth_key="TestKey001"
        )
    )
    done = run_cli(
        "console-edit",
        "--url",
        emu.base_url,
        "--region",
        "cn-beijing",
        "--set",
        "CallbackURL=https://drift.example/x",
        "--set",
        "EventTypeList=A,B",
        "--unset",
        "AuthSwitch",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "CallbackType": "HTTP",
        "CallbackURL": "https://drift.example/x",
        "EventTypeList": "A,B",
        "AuthKey": "<redacted>",
    }
    body = ice(emu).get_event_callback().body
    assert (body.callback_url, body.event_type_list, body.auth_switch, body.auth_key) == (
        "https://drift.example/x",
        "A,B",
        None,
        "TestKey001",
    )


def test_console_edit_refuses_unknown_fields_and_regions(emu):
    with pytest.raises(EmulatorControlError) as info:
        emu.control.console_edit("cn-beijing", {"CallbackUrl": URL})
    assert info.value.status == 400
    with pytest.raises(EmulatorControlError):
        emu.control.console_edit("cn-nowhere", {"CallbackURL": URL})


def test_reset_via_cli_and_offline(emu, tmp_path):
    ice(emu).set_event_callback(
        ice_models.SetEventCallbackRequest(callback_type="HTTP", callback_url=URL)
    )
    assert run_cli("reset", "--url", emu.base_url).returncode == 0
    assert ice(emu).get_event_callback().body.callback_type is None
    assert emu.control.state() == {"version": 1, "regions": {}}

    offline = tmp_path / "offline.json"
    offline.write_text(
        json.dumps(
            {
                "version": 1,
                "regions": {
                    "cn-beijing": {
                        "callback": {"CallbackType": "HTTP"},
                        "queues": {},
                        "messages": {},
                    }
                },
            }
        )
    )
    assert run_cli("reset", "--state", str(offline)).returncode == 0
    assert json.loads(offline.read_text()) == {"version": 1, "regions": {}}


def test_state_and_counters_cli(emu):
    ice(emu).get_event_callback()
    state = run_cli("state", "--url", emu.base_url)
    assert json.loads(state.stdout) == {"version": 1, "regions": {}}
    counters = run_cli("counters", "--url", emu.base_url, "--reset")
    assert json.loads(counters.stdout)["operations"] == {"GetEventCallback": 1}
    assert emu.control.counters()["total"] == 0


def test_faults_cli(emu):
    added = run_cli("faults", "--url", emu.base_url, "add", "--kind", "throttle", "--count", "2")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["remaining"] == 2
    listed = json.loads(run_cli("faults", "--url", emu.base_url, "list").stdout)
    assert [r["kind"] for r in listed] == ["throttle"]
    assert run_cli("faults", "--url", emu.base_url, "clear").returncode == 0
    assert emu.control.faults() == []
    bad = run_cli("faults", "--url", emu.base_url, "add", "--kind", "latency")
    assert bad.returncode == 2
    assert "latency_ms" in bad.stderr


def test_admin_api_only_on_the_emulators_own_address(emu):
    assert EmulatorControl(emu.base_url).health()["ok"] is True
    with pytest.raises(EmulatorControlError) as info:
        emu.control._call("GET", "no-such-route")
    assert info.value.status == 404
    proxy = urllib.request.build_opener(urllib.request.ProxyHandler({"http": emu.base_url}))
    request = urllib.request.Request("http://ice.cn-beijing.aliyuncs.com/_emulator/state")
    with pytest.raises(urllib.error.HTTPError) as http_error:
        proxy.open(request, timeout=10)
    assert json.loads(http_error.value.read())["Code"] == "InvalidAction.NotFound"
    with pytest.raises(ValueError, match="loopback"):
        EmulatorControl("http://10.0.0.1:18100")


def test_direct_endpoint_without_proxy_gets_a_hint(emu):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(f"{emu.base_url}/?Action=GetEventCallback", timeout=10)
    body = json.loads(info.value.read())
    assert (info.value.code, body["Code"]) == (404, "InvalidEndpoint")
    assert "HTTP proxy" in body["Message"]


def test_serve_refuses_non_loopback_and_broken_state(tmp_path):
    refused = run_cli(
        "serve", "--host", "192.0.2.1", "--port", "0", "--state", str(tmp_path / "s.json")
    )
    assert refused.returncode == 2
    assert "loopback only" in refused.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(EmulatorStartError):
        start_emulator(broken, startup_timeout=10)
    assert broken.read_text() == "{not json"
