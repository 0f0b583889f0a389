"""Fault injection (every kind, by rate and by count, scoped) and the call counters."""

from __future__ import annotations

import random
import time

import pytest
from alibabacloud_ice20201109 import models as ice_models
from alibabacloud_mns_open20220119 import models as mns_models
from alibabacloud_tea_openapi.exceptions import (
    AlibabaCloudException,
    ClientException,
    ServerException,
)
from darabonba.exceptions import UnretryableException

from emulator.control import EmulatorControlError
from tests.emulator.helpers import ice, mns

SET = ice_models.SetEventCallbackRequest(callback_type="HTTP", callback_url="https://a.example/x")


def outcome(call):
    """'ok', the error code, or 'dropped' for a connection closed without a response."""
    try:
        call()
    except AlibabaCloudException as exc:
        return exc.code
    except UnretryableException as exc:
        closed = "RemoteDisconnected" in str(exc) or "Connection aborted" in str(exc)
        return "dropped" if closed else f"unexpected: {exc}"
    return "ok"


@pytest.mark.parametrize(
    ("kind", "status", "code", "exc_type"),
    [
        ("throttle", 400, "Throttling.User", ClientException),
        ("unavailable", 503, "ServiceUnavailable", ServerException),
        ("internal", 500, "InternalError", ServerException),
        ("forbidden", 403, "Forbidden.RAM", ClientException),
    ],
)
def test_error_kinds_for_the_next_n_calls(emu, kind, status, code, exc_type):
    rule = emu.control.add_fault(kind, operation="SetEventCallback", count=2)
    client = ice(emu)
    for _ in range(2):
        with pytest.raises(exc_type) as info:
            client.set_event_callback(SET)
        assert (info.value.status_code, info.value.code) == (status, code)
    assert client.get_event_callback().body.callback_type is None  # other operation: unaffected
    client.set_event_callback(SET)
    assert client.get_event_callback().body.callback_url == "https://a.example/x"
    [info] = emu.control.faults()
    assert (info["id"], info["fired"], info["remaining"]) == (rule["id"], 2, 0)


def test_dropped_connection_for_the_next_call(emu):
    emu.control.add_fault("drop", count=1)
    client = ice(emu)
    assert outcome(client.get_event_callback) == "dropped"
    assert outcome(client.get_event_callback) == "ok"


def test_rate_is_reproducible_with_the_seed(emu):
    expected_rng = random.Random(7)
    expected = ["Throttling.User" if expected_rng.random() < 0.4 else "ok" for _ in range(25)]
    client = ice(emu)
    for _ in range(2):
        emu.control.clear_faults()
        emu.control.add_fault("throttle", rate=0.4, seed=7)
        assert [outcome(client.get_event_callback) for _ in range(25)] == expected
    assert 0 < expected.count("Throttling.User") < 25


def test_rate_one_and_rate_zero(emu):
    client = ice(emu)
    emu.control.add_fault("unavailable", rate=0.0)
    assert outcome(client.get_event_callback) == "ok"
    emu.control.add_fault("drop", rate=1.0)
    assert [outcome(client.get_event_callback) for _ in range(3)] == ["dropped"] * 3


def test_hard_fault_for_one_region_until_removed(emu):
    rule = emu.control.add_fault("forbidden", region="cn-beijing")
    assert [outcome(ice(emu, "cn-beijing").get_event_callback) for _ in range(3)] == [
        "Forbidden.RAM"
    ] * 3
    assert outcome(ice(emu, "cn-shanghai").get_event_callback) == "ok"
    assert outcome(lambda: mns(emu, "cn-beijing").list_queue(mns_models.ListQueueRequest())) == (
        "Forbidden.RAM"
    )
    emu.control.remove_fault(rule["id"])
    assert outcome(ice(emu, "cn-beijing").get_event_callback) == "ok"


def test_operation_and_region_together(emu):
    emu.control.add_fault("internal", operation="CreateQueue", region="us-west-1")
    create = mns_models.CreateQueueRequest(queue_name="ice-callback-q")
    assert outcome(lambda: mns(emu, "us-west-1").create_queue(create)) == "InternalError"
    assert outcome(lambda: mns(emu, "cn-beijing").create_queue(create)) == "ok"
    assert outcome(lambda: mns(emu, "us-west-1").list_queue(mns_models.ListQueueRequest())) == "ok"


def timed(call):
    started = time.monotonic()
    call()
    return time.monotonic() - started


def test_latency_per_operation(emu):
    client = ice(emu)
    timed(client.get_event_callback)  # warm the connection pool
    emu.control.add_fault("latency", operation="GetEventCallback", latency_ms=300)
    assert timed(client.get_event_callback) >= 0.3
    assert timed(lambda: client.set_event_callback(SET)) < 0.25


def test_latency_adds_up_before_an_error(emu):
    client = ice(emu)
    emu.control.add_fault("latency", latency_ms=150, count=1)
    emu.control.add_fault("throttle", count=1)
    started = time.monotonic()
    assert outcome(client.get_event_callback) == "Throttling.User"
    assert time.monotonic() - started >= 0.15
    assert outcome(client.get_event_callback) == "ok"


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "throttle", "rate": 0.5, "count": 2},
        {"kind": "throttle", "rate": 1.5},
        {"kind": "throttle", "count": 0},
        {"kind": "latency"},
        {"kind": "throttle", "latency_ms": 10},
        {"kind": "meteor"},
        {"kind": "throttle", "count": "3"},
    ],
)
def test_invalid_fault_specs_are_refused(emu, spec):
    kind = spec.pop("kind")
    with pytest.raises(EmulatorControlError) as info:
        emu.control.add_fault(kind, **spec)
    assert info.value.status == 400
    assert emu.control.faults() == []


def test_counters_per_operation_and_region(emu):
    ice(emu, "cn-beijing").get_event_callback()
    ice(emu, "cn-beijing").get_event_callback()
    ice(emu, "cn-shanghai").set_event_callback(SET)
    mns(emu, "cn-shanghai").list_queue(mns_models.ListQueueRequest())
    emu.control.add_fault("throttle", count=1)
    outcome(ice(emu, "us-west-1").get_event_callback)
    assert emu.control.counters() == {
        "total": 5,
        "operations": {"GetEventCallback": 3, "ListQueue": 1, "SetEventCallback": 1},
        "regions": {
            "cn-beijing": {"GetEventCallback": 2},
            "cn-shanghai": {"ListQueue": 1, "SetEventCallback": 1},
            "us-west-1": {"GetEventCallback": 1},
        },
    }
    emu.control.reset_counters()
    assert emu.control.counters() == {"total": 0, "operations": {}, "regions": {}}


def test_reset_clears_faults_and_counters(emu):
    emu.control.add_fault("throttle")
    outcome(ice(emu).get_event_callback)
    emu.control.reset()
    assert (emu.control.faults(), emu.control.counters()["total"]) == ([], 0)
    assert outcome(ice(emu).get_event_callback) == "ok"
