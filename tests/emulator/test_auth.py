"""Authentication: ACS3 and legacy RPC signatures, unknown keys, STS tokens, freshness."""

from __future__ import annotations

import hashlib
import time

import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_mns_open20220119 import models as mns_models
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils import Utils

from emulator import cli
from emulator.api import ApiRequest
from emulator.auth import (
    ACCESS_KEYS_ENV,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    Authenticator,
    parse_access_keys,
)
from emulator.errors import ApiError
from emulator.testing import start_emulator
from tests.emulator.helpers import ice, mns

V2 = {"signature_algorithm": "v2"}


def error_of(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value.status_code, info.value.code


@pytest.mark.parametrize("overrides", [{}, V2], ids=["acs3", "rpc-v2"])
def test_both_signature_schemes_are_accepted(emu, overrides):
    """Values that stress the canonical encoding: reserved, '+', '%', '~', '*', non-ASCII."""
    url = "https://hooks.example.com/a?b=c+d&e=%C3%BC~*'()!"
    request = ice_models.SetEventCallbackRequest(
        callback_type="HTTP", callback_url=url, auth_key="Ab1"
    )
    ice(emu, **overrides).set_event_callback(request)
    assert ice(emu, **overrides).get_event_callback().body.callback_url == url
    tag = mns_models.CreateQueueRequestTag(key="team name", value="médias & co/ü")
    client = mns(emu, **overrides)
    client.create_queue(mns_models.CreateQueueRequest(queue_name="ice-callback-q", tag=[tag]))
    listed = client.list_queue(mns_models.ListQueueRequest()).body.data.page_data
    assert listed[0].tags[0].to_map() == {"TagKey": "team name", "TagValue": "médias & co/ü"}


def _list():
    return mns_models.ListQueueRequest()


@pytest.mark.parametrize("overrides", [{}, V2], ids=["acs3", "rpc-v2"])
def test_wrong_secret_is_signature_does_not_match(emu, overrides):
    client = ice(emu, access_key_secret="not-the-secret", **overrides)
    assert error_of(client.get_event_callback) == (400, "SignatureDoesNotMatch")


@pytest.mark.parametrize("overrides", [{}, V2], ids=["acs3", "rpc-v2"])
def test_unknown_access_key_is_not_found(emu, overrides):
    client = mns(emu, access_key_id="LTAI5tUnknownKey", **overrides)
    assert error_of(lambda: client.list_queue(_list())) == (404, "InvalidAccessKeyId.NotFound")


@pytest.mark.parametrize("overrides", [{}, V2], ids=["acs3", "rpc-v2"])
def test_sts_security_token_is_accepted_for_a_configured_key(emu, overrides):
    client = ice(emu, security_token="CAIS-sts-token-value", **overrides)
    assert client.get_event_callback().status_code == 200


def test_failed_authentication_is_counted_but_changes_nothing(emu):
    request = ice_models.SetEventCallbackRequest(
        callback_type="HTTP", callback_url="https://a.example/x"
    )
    with pytest.raises(ClientException):
        ice(emu, access_key_secret="wrong").set_event_callback(request)
    assert emu.control.counters()["operations"] == {"SetEventCallback": 1}
    assert ice(emu).get_event_callback().body.callback_type is None


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    keys = {"AK1": "secret-one", "AK2": "secret-two"}
    with start_emulator(
        tmp_path_factory.mktemp("keyed") / "state.json", access_keys=keys
    ) as process:
        yield process


def test_configured_keys_replace_the_default_pair(keyed):
    assert ice(keyed, access_key_id="AK2", access_key_secret="secret-two").get_event_callback()
    assert ice(keyed, access_key_id="AK1", access_key_secret="secret-one").get_event_callback()
    assert error_of(ice(keyed).get_event_callback) == (404, "InvalidAccessKeyId.NotFound")
    assert error_of(
        ice(keyed, access_key_id="AK1", access_key_secret="secret-two").get_event_callback
    ) == (400, "SignatureDoesNotMatch")


def test_parse_access_keys():
    assert parse_access_keys(["A:x,B:y:z", " C:w "]) == {"A": "x", "B": "y:z", "C": "w"}
    for bad in ("A", "A:", ":x"):
        with pytest.raises(ValueError, match="ID:SECRET"):
            parse_access_keys([bad])


def test_cli_key_precedence(monkeypatch):
    monkeypatch.setenv(ACCESS_KEYS_ENV, "E1:e")
    assert cli._access_keys(["F1:f"]) == {"F1": "f"}
    assert cli._access_keys([]) == {"E1": "e"}
    monkeypatch.delenv(ACCESS_KEYS_ENV)
    assert cli._access_keys([]) == {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET}


# In-process checks of what the SDK never sends: stale dates, replays, tampering.

NOW = time.time()
SECRET = "s3cret"


class _Req:
    def __init__(self, method, pathname, query, headers):
        self.method, self.pathname, self.query, self.headers = method, pathname, query, headers


def acs3(*, query=None, body=b"", date=None, nonce="n-1", tamper=None, drop_signed=()):
    """A request signed exactly as the SDK signs it (with its own Utils.get_authorization)."""
    query = dict(query or {})
    headers = {
        "host": "ice.cn-beijing.aliyuncs.com",
        "x-acs-action": "GetEventCallback",
        "x-acs-version": "2020-11-09",
        "x-acs-date": date or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW)),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "accept": "application/json",
    }
    signed = {k: v for k, v in headers.items() if k not in drop_signed}
    auth = Utils.get_authorization(
        _Req("POST", "/", query, signed),
        "ACS3-HMAC-SHA256",
        signed["x-acs-content-sha256"],
        "AK",
        SECRET,
    )
    headers["authorization"] = auth
    headers.update(tamper or {})
    return ApiRequest("POST", headers["host"], "/", query, {}, headers, body)


@pytest.fixture
def auth():
    return Authenticator({"AK": SECRET}, clock=lambda: NOW)


def code_of(auth, request):
    with pytest.raises(ApiError) as info:
        auth.verify(request)
    return info.value.status, info.value.code


def test_acs3_reference_request_verifies(auth):
    assert auth.verify(acs3(query={"CallbackURL": "https://a.example/x y"})) == "GetEventCallback"


def test_replayed_nonce_is_rejected(auth):
    auth.verify(acs3(nonce="same"))
    assert code_of(auth, acs3(nonce="same")) == (400, "SignatureNonceUsed")


def test_stale_or_malformed_date_is_rejected(auth):
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 16 * 60))
    assert code_of(auth, acs3(date=old)) == (400, "InvalidTimeStamp.Expired")
    assert code_of(auth, acs3(date="yesterday")) == (400, "InvalidTimeStamp.Format")


def test_tampering_is_detected(auth):
    tampered_host = acs3(tamper={"host": "ice.cn-shanghai.aliyuncs.com"})
    assert code_of(auth, tampered_host) == (400, "SignatureDoesNotMatch")
    request = acs3(query={"CallbackURL": "https://a.example/x"})
    forged = ApiRequest(
        "POST",
        request.host,
        "/",
        {"CallbackURL": "https://evil.example/"},
        {},
        request.headers,
        b"",
    )
    assert code_of(auth, forged) == (400, "SignatureDoesNotMatch")
    body_swapped = ApiRequest("POST", request.host, "/", request.query, {}, request.headers, b"x=1")
    assert code_of(auth, body_swapped) == (400, "SignatureDoesNotMatch")


def test_unsigned_host_or_no_signature_is_incomplete(auth):
    assert code_of(auth, acs3(drop_signed=("host",))) == (400, "IncompleteSignature")
    bare = ApiRequest("POST", "ice.cn-beijing.aliyuncs.com", "/", {}, {}, {}, b"")
    assert code_of(auth, bare) == (400, "IncompleteSignature")


def test_rpc_signature_method_must_be_hmac_sha1(auth):
    params = {
        "Action": "GetEventCallback",
        "AccessKeyId": "AK",
        "SignatureMethod": "HMAC-SHA256",
        "SignatureNonce": "n",
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW)),
    }
    params["Signature"] = Utils.get_rpcsignature(params, "POST", SECRET)
    request = ApiRequest("POST", "ice.cn-beijing.aliyuncs.com", "/", params, {}, {}, b"")
    assert code_of(auth, request) == (400, "IncompleteSignature")
