"""SetEventCallback / GetEventCallback through the official ICE SDK."""

from __future__ import annotations

import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_mns_open20220119 import models as mns_models
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

from tests.emulator.helpers import ice, mns

KEY = "TestKey001"
URL = "https://hooks.example.com/ims"


def set_callback(emu, region="cn-beijing", **fields):
    request = ice_models.SetEventCallbackRequest(**fields)
    return ice(emu, region).set_event_callback(request)


def get_callback(emu, region="cn-beijing"):
    return ice(emu, region).get_event_callback().body


def create_queue(emu, name, region="cn-beijing"):
    mns(emu, region).create_queue(mns_models.CreateQueueRequest(queue_name=name))


def test_http_config_round_trips_every_field(emu):
    reply = set_callback(
        emu,
        callback_type="HTTP",
        callback_url=URL,
        event_type_list="ProduceMediaComplete,FileUploadComplete",
        auth_switch="on",
        auth_key=KEY,
    )
    assert reply.status_code == 200
    assert reply.body.success is True
    assert len(reply.body.request_id) == 36
    body = get_callback(emu)
    assert body.to_map() == {
        "RequestId": body.request_id,
        "CallbackType": "HTTP",
        "CallbackURL": URL,
        "EventTypeList": "ProduceMediaComplete,FileUploadComplete",
        "AuthSwitch": "on",
        "AuthKey": KEY,
    }


def test_mns_config_needs_an_existing_queue_in_the_same_region(emu):
    create_queue(emu, "ice-callback-prod")
    set_callback(
        emu,
        callback_type="MNS",
        callback_queue_name="ice-callback-prod",
        event_type_list="FileUploadComplete",
    )
    body = get_callback(emu)
    assert (body.callback_type, body.callback_queue_name, body.event_type_list) == (
        "MNS",
        "ice-callback-prod",
        "FileUploadComplete",
    )
    assert body.callback_url is None


def test_set_replaces_the_whole_configuration(emu):
    set_callback(
        emu,
        callback_type="HTTP",
        callback_url=URL,
        auth_switch="on",
        auth_key=KEY,
        event_type_list="FileUploadComplete",
    )
    set_callback(emu, callback_type="HTTP", callback_url=URL + "/v2")
    body = get_callback(emu)
    assert body.callback_url == URL + "/v2"
    assert (body.auth_switch, body.auth_key, body.event_type_list) == (None, None, None)


def test_empty_event_list_is_accepted_and_clears_the_list(emu):
    set_callback(emu, callback_type="HTTP", callback_url=URL, event_type_list="FileUploadComplete")
    set_callback(emu, callback_type="HTTP", callback_url=URL, event_type_list="")
    assert get_callback(emu).event_type_list is None


def test_never_configured_region_returns_only_a_request_id(emu):
    body = get_callback(emu, "eu-central-1")
    assert list(body.to_map()) == ["RequestId"]


def test_regions_are_isolated(emu):
    set_callback(emu, "cn-beijing", callback_type="HTTP", callback_url=URL)
    set_callback(emu, "us-west-1", callback_type="HTTP", callback_url=URL + "/us")
    assert get_callback(emu, "cn-beijing").callback_url == URL
    assert get_callback(emu, "us-west-1").callback_url == URL + "/us"
    assert get_callback(emu, "cn-shanghai").callback_url is None


def test_every_ims_region_is_served(emu):
    from components.core.regions import REGION_IDS

    for region in sorted(REGION_IDS):
        set_callback(emu, region, callback_type="HTTP", callback_url=f"{URL}/{region}")
    assert {r: get_callback(emu, r).callback_url for r in REGION_IDS} == {
        r: f"{URL}/{r}" for r in REGION_IDS
    }


def expect_error(emu, status, code, region="cn-beijing", **fields):
    with pytest.raises(ClientException) as info:
        set_callback(emu, region, **fields)
    assert (info.value.status_code, info.value.code) == (status, code)
    return info.value


HTTP_OK = {"callback_type": "HTTP", "callback_url": URL}


@pytest.mark.parametrize(
    ("rule", "fields", "code", "param"),
    [
        ("ICE-SET-TYPE-REQUIRED", {"callback_url": URL}, "MissingParameter", "CallbackType"),
        (
            "ICE-SET-TYPE-VALUES",
            {**HTTP_OK, "callback_type": "http"},
            "InvalidParameter",
            "CallbackType",
        ),
        ("ICE-SET-URL-REQUIRED", {"callback_type": "HTTP"}, "MissingParameter", "CallbackURL"),
        (
            "ICE-SET-URL-LEN",
            {**HTTP_OK, "callback_url": "https://a.example/" + "x" * 239},
            "InvalidParameter",
            "CallbackURL",
        ),
        (
            "ICE-SET-URL-FORMAT",
            {**HTTP_OK, "callback_url": "ftp://a.example/x"},
            "InvalidParameter",
            "CallbackURL",
        ),
        (
            "ICE-SET-URL-FORMAT",
            {**HTTP_OK, "callback_url": "https://a.example/a b"},
            "InvalidParameter",
            "CallbackURL",
        ),
        (
            "ICE-SET-URL-FORMAT",
            {**HTTP_OK, "callback_url": "hooks.example.com/ims"},
            "InvalidParameter",
            "CallbackURL",
        ),
        (
            "ICE-SET-AUTHSWITCH-VALUES",
            {**HTTP_OK, "auth_switch": "ON"},
            "InvalidParameter",
            "AuthSwitch",
        ),
        (
            "ICE-SET-AUTHKEY-REQUIRED",
            {**HTTP_OK, "auth_switch": "on"},
            "MissingParameter",
            "AuthKey",
        ),
        (
            "ICE-SET-AUTHKEY-LEN",
            {**HTTP_OK, "auth_key": "Aa1" + "b" * 30},
            "InvalidParameter",
            "AuthKey",
        ),
        (
            "ICE-SET-AUTHKEY-CHARS",
            {**HTTP_OK, "auth_key": "testkey001"},
            "InvalidParameter",
            "AuthKey",
        ),
        (
            "ICE-SET-AUTHKEY-CHARS",
            {**HTTP_OK, "auth_key": "TESTKEY001"},
            "InvalidParameter",
            "AuthKey",
        ),
        (
            "ICE-SET-AUTHKEY-CHARS",
            {**HTTP_OK, "auth_key": "TestKeyOne"},
            "InvalidParameter",
            "AuthKey",
        ),
        (
            "ICE-SET-AUTHKEY-CHARS",
            {**HTTP_OK, "auth_key": "Test-Key-001"},
            "InvalidParameter",
            "AuthKey",
        ),
        (
            "ICE-SET-EVENTS-KNOWN",
            {**HTTP_OK, "event_type_list": "FileUploaded"},
            "InvalidParameter",
            "EventTypeList",
        ),
        (
            "ICE-SET-EVENTS-KNOWN",
            {**HTTP_OK, "event_type_list": "FileUploadComplete, ProduceMediaComplete"},
            "InvalidParameter",
            "EventTypeList",
        ),
        (
            "ICE-SET-EVENTS-KNOWN",
            {**HTTP_OK, "event_type_list": "FileUploadComplete,"},
            "InvalidParameter",
            "EventTypeList",
        ),
        (
            "ICE-SET-QUEUE-REQUIRED",
            {"callback_type": "MNS"},
            "MissingParameter",
            "CallbackQueueName",
        ),
        (
            "ICE-SET-QUEUE-PREFIX",
            {"callback_type": "MNS", "callback_queue_name": "ice-callbackprod"},
            "InvalidParameter",
            "CallbackQueueName",
        ),
        (
            "ICE-SET-QUEUE-PREFIX",
            {"callback_type": "MNS", "callback_queue_name": "ice-callback-" + "x" * 108},
            "InvalidParameter",
            "CallbackQueueName",
        ),
        (
            "ICE-SET-QUEUE-EXISTS",
            {"callback_type": "MNS", "callback_queue_name": "ice-callback-missing"},
            "InvalidParameter",
            "CallbackQueueName",
        ),
    ],
)
def test_validation_errors(emu, rule, fields, code, param):
    error = expect_error(emu, 400, code, **fields)
    assert f'"{param}"' in error.data["Message"], rule
    assert get_callback(emu).callback_type is None, "a rejected Set must not change anything"


def test_boundary_values_are_accepted(emu):
    url = "https://a.example/" + "x" * 238
    assert len(url) == 256
    set_callback(
        emu, callback_type="HTTP", callback_url=url, auth_switch="on", auth_key="Aa1" + "b" * 29
    )
    assert get_callback(emu).callback_url == url
    set_callback(emu, callback_type="HTTP", callback_url=URL, auth_switch="off")
    assert get_callback(emu).auth_switch == "off"


def test_queue_must_be_in_the_same_region(emu):
    create_queue(emu, "ice-callback-prod", region="cn-shanghai")
    expect_error(
        emu, 400, "InvalidParameter", callback_type="MNS", callback_queue_name="ice-callback-prod"
    )


def test_error_body_has_the_gateway_shape_and_never_echoes_values(emu):
    secret = "Secret" + "x" * 30 + "9"
    error = expect_error(emu, 400, "InvalidParameter", **HTTP_OK, auth_key=secret)
    assert set(error.data) == {"RequestId", "HostId", "Code", "Message", "Recommend", "statusCode"}
    assert error.data["HostId"] == "ice.cn-beijing.aliyuncs.com"
    assert "q=InvalidParameter&product=ICE" in error.data["Recommend"]
    assert secret not in str(error.data)


def test_auth_key_never_reaches_the_log_or_the_state_dump(emu):
    secret = "NeverLogMe2024"
    set_callback(emu, callback_type="HTTP", callback_url=URL, auth_switch="on", auth_key=secret)
    expect_error(
        emu, 400, "InvalidParameter", callback_type="HTTP", callback_url="x", auth_key=secret
    )
    assert get_callback(emu).auth_key == secret  # the real API returns it in plain text
    assert secret not in str(emu.control.state())
    assert emu.control.state()["regions"]["cn-beijing"]["callback"]["AuthKey"] == "<redacted>"
    assert secret not in emu.log_file.read_text()


def call_raw(client, action, version="2020-11-09"):
    params = utils_models.Params(
        action=action,
        version=version,
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    return client.call_api(params, utils_models.OpenApiRequest(query={}), RuntimeOptions())


def test_unknown_action_and_wrong_version_are_rejected(emu):
    client = ice(emu)
    with pytest.raises(ClientException) as info:
        call_raw(client, "DeleteEventCallback")
    assert (info.value.status_code, info.value.code) == (404, "InvalidAction.NotFound")
    with pytest.raises(ClientException) as info:
        call_raw(client, "GetEventCallback", version="2017-03-21")
    assert (info.value.status_code, info.value.code) == (400, "InvalidVersion")


@pytest.mark.parametrize(
    ("host", "status", "code"),
    [
        ("ice.cn-nowhere-1.aliyuncs.com", 400, "InvalidRegionId"),
        ("ice.aliyuncs.com", 400, "InvalidRegionId"),
        ("ecs.cn-beijing.aliyuncs.com", 404, "InvalidEndpoint"),
        ("example.com", 404, "InvalidEndpoint"),
    ],
)
def test_unknown_hosts_and_regions_are_rejected(emu, host, status, code):
    from alibabacloud_ice20201109.client import Client

    from tests.emulator.helpers import sdk_config

    with pytest.raises(ClientException) as info:
        Client(sdk_config(emu, host)).get_event_callback()
    assert (info.value.status_code, info.value.code) == (status, code)
