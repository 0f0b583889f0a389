"""Authentication rules (AUTH-*). Emulator-only rules tamper with the SDK's own signing."""

from __future__ import annotations

import uuid

from alibabacloud_tea_openapi.utils import Utils

from emulator.testing import start_emulator
from tests.contract.conftest import make_emulator_target
from tests.contract.helpers import expect, http, ok, stored


def test_auth_acs3(target):
    ok(target.get_callback())
    ok(target.mns("ListQueue", QueueName=target.queue_prefix))


def test_auth_acs3_signed(emulator_target, monkeypatch):
    signed = Utils.get_authorization

    def without_date(*args):
        return signed(*args).replace("x-acs-date;", "")

    monkeypatch.setattr(Utils, "get_authorization", staticmethod(without_date))
    expect(emulator_target.get_callback(), 400, "IncompleteSignature")


def test_auth_rpc(target):
    ok(target.call("ice", "GetEventCallback", signing="signed-v2"))
    ok(
        target.call(
            "mns-open", "ListQueue", {"QueueName": target.queue_prefix}, signing="signed-v2"
        )
    )


def test_auth_wrong_secret(target):
    reply = target.call("ice", "GetEventCallback", signing="wrong-secret")
    expect(reply, 400, "SignatureDoesNotMatch")
    assert reply.body["Message"].startswith(
        "Specified signature is not matched with our calculation."
    )


def test_auth_unknown_key(target):
    reply = target.call("ice", "GetEventCallback", signing="unknown-key")
    expect(reply, 404, "InvalidAccessKeyId.NotFound")
    assert reply.body["Message"] == "Specified access key is not found."


def test_auth_incomplete(target):
    expect(target.call("ice", "GetEventCallback", signing="unsigned"), 400, "IncompleteSignature")


def test_auth_action_match(emulator_target):
    reply = emulator_target.call(
        "ice",
        "GetEventCallback",
        signing="signed-v2",
        headers={"x-acs-action": "SetEventCallback"},
    )
    expect(reply, 400, "IncompleteSignature")


def test_auth_time_skew(emulator_target, monkeypatch):
    monkeypatch.setattr(Utils, "get_timestamp", staticmethod(lambda: "2000-01-01T00:00:00Z"))
    expect(emulator_target.get_callback(), 400, "InvalidTimeStamp.Expired")
    monkeypatch.setattr(Utils, "get_timestamp", staticmethod(lambda: "yesterday"))
    expect(emulator_target.get_callback(), 400, "InvalidTimeStamp.Format")


def test_auth_nonce_replay(emulator_target, monkeypatch):
    nonce = f"contract-nonce-{uuid.uuid4()}"
    monkeypatch.setattr(Utils, "get_nonce", staticmethod(lambda: nonce))
    ok(emulator_target.get_callback())
    expect(emulator_target.get_callback(), 400, "SignatureNonceUsed")


def test_auth_sts(emulator_process):
    emulator_process.control.reset()
    with_token = make_emulator_target(
        emulator_process,
        **{
            "alicloud:accessKey": "IMSEMULATORKEYID",
            "alicloud:secretKey": "ims-emulator-local-secret",
            "alicloud:securityToken": "any-token-is-accepted",
        },
    )
    ok(with_token.get_callback())
    expect(
        with_token.call("ice", "GetEventCallback", signing="wrong-secret"),
        400,
        "SignatureDoesNotMatch",
    )


def test_auth_keys(tmp_path):
    keys = {"AKCONTRACT01": "contract-secret-1"}
    with start_emulator(tmp_path / "state.json", access_keys=keys) as emu:
        configured = make_emulator_target(
            emu, **{"alicloud:accessKey": "AKCONTRACT01", "alicloud:secretKey": "contract-secret-1"}
        )
        ok(configured.get_callback())
        expect(make_emulator_target(emu).get_callback(), 404, "InvalidAccessKeyId.NotFound")


def test_auth_counted(emulator_target):
    reply = emulator_target.call(
        "ice",
        "SetEventCallback",
        {"CallbackType": "HTTP", "CallbackURL": "https://a.invalid/"},
        signing="wrong-secret",
    )
    expect(reply, 400, "SignatureDoesNotMatch")
    assert emulator_target.control.counters()["operations"] == {"SetEventCallback": 1}
    assert stored(emulator_target) == {}
    ok(http(emulator_target))
    assert emulator_target.control.counters()["operations"]["SetEventCallback"] == 2
