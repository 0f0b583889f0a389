"""Gateway rules (GW-*): hosts, regions, unknown actions and versions, error bodies."""

from __future__ import annotations

import re

from alibabacloud_ice20201109.client import Client as IceSdk

from components.aliyun.endpoints import sdk_config
from tests.contract.helpers import expect, http, ok, sdk_status

UUID_UPPER = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}


def hand_built_ice(target, endpoint):
    """An ICE SDK client of ``target`` whose endpoint is replaced by ``endpoint``."""
    config = sdk_config("ice", target.region, target.credential, target.transport)
    config.endpoint = endpoint
    return IceSdk(config)


def test_gw_host_region(target):
    ice = ok(target.get_callback())
    mns = ok(target.mns("ListQueue", QueueName=target.queue_prefix))
    assert "Code" not in ice.body
    assert mns.body["Code"] == 200
    assert isinstance(mns.body["Data"], dict)
    if target.control is not None:  # one emulator port, region from the Host header
        ok(http(target))
        other = target.call("ice", "GetEventCallback", region="cn-beijing")
        assert ok(other).callback() == {}


def test_gw_unknown_region(emulator_target):
    for endpoint in ("ice.xx-nowhere-1.aliyuncs.com", "ice.aliyuncs.com"):
        client = hand_built_ice(emulator_target, endpoint)
        assert sdk_status(client) == (400, "InvalidRegionId"), endpoint


def test_gw_unknown_host(emulator_target, emulator_process):
    for endpoint in ("example.com", f"127.0.0.1:{emulator_process.port}"):
        client = hand_built_ice(emulator_target, endpoint)
        assert sdk_status(client) == (404, "InvalidEndpoint"), endpoint


def test_gw_action_unknown(target):
    reply = target.call("ice", "ContractNoSuchAction")
    expect(reply, 404, "InvalidAction.NotFound")
    assert reply.body["Message"] == "Specified api is not found, please check your url and method."


def test_gw_version(target):
    expect(target.call("ice", "GetEventCallback", signing="wrong-version"), 400, "InvalidVersion")


def test_gw_error_body(target):
    reply = target.call("ice", "ContractNoSuchAction")
    assert set(reply.body) >= ERROR_KEYS
    assert reply.body["HostId"] == f"ice.{target.region}.aliyuncs.com"
    request_id = reply.body["RequestId"]
    assert reply.body["Recommend"] == (
        "https://api.aliyun.com/troubleshoot?q=InvalidAction.NotFound"
        f"&product=ICE&requestId={request_id}"
    )


def test_gw_request_id(target):
    reply = ok(target.get_callback())
    assert UUID_UPPER.fullmatch(reply.body["RequestId"])
    assert reply.headers.get("x-acs-request-id") == reply.body["RequestId"]


def test_gw_no_echo(emulator_target, emulator_process):
    """The emulator never echoes a value, unlike the real SignatureDoesNotMatch message."""
    marker = "EchoMarker7Q"
    ok(http(emulator_target, AuthSwitch="on", AuthKey=marker))
    replies = [
        emulator_target.set_callback(CallbackType="HTTP", CallbackURL=f"https://{marker}.x/ a"),
        emulator_target.set_callback(CallbackType="HTTP", CallbackURL=f"ftp://{marker}.x/"),
        emulator_target.call(
            "ice", "SetEventCallback", {"AuthKey": marker}, signing="wrong-secret"
        ),
    ]
    for reply in replies:
        assert not reply.ok
        assert marker.lower() not in str(reply.body).lower()
    assert marker.lower() not in emulator_process.log_file.read_text().lower()


def test_gw_order(target):
    """Host/region, action, version, then authentication, then faults."""
    wrong = target.call("ice", "ContractNoSuchAction", signing="wrong-secret")
    expect(wrong, 404, "InvalidAction.NotFound")
    if target.control is not None:
        target.control.add_fault("forbidden")
        expect(
            target.call("ice", "GetEventCallback", signing="wrong-secret"),
            400,
            "SignatureDoesNotMatch",
        )
        expect(target.get_callback(), 403, "Forbidden.RAM")
