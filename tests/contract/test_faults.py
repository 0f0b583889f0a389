"""Fault injection and counters (FLT-*): emulator only."""

from __future__ import annotations

import time

import pytest

from components.aliyun.errors import CloudError
from tests.contract.helpers import expect, ok


def test_flt_throttle(emulator_target):
    emulator_target.control.add_fault("throttle", count=1)
    reply = emulator_target.get_callback()
    expect(reply, 400, "Throttling.User")
    assert reply.body["Message"] == "Request was denied due to user flow control."
    ok(emulator_target.get_callback())


def test_flt_unavailable(emulator_target):
    emulator_target.control.add_fault("unavailable", count=1)
    expect(emulator_target.get_callback(), 503, "ServiceUnavailable")


def test_flt_internal(emulator_target):
    emulator_target.control.add_fault("internal", count=1)
    expect(emulator_target.get_callback(), 500, "InternalError")


def test_flt_forbidden(emulator_target):
    emulator_target.control.add_fault("forbidden", count=1)
    expect(emulator_target.mns("ListQueue"), 403, "Forbidden.RAM")


def test_flt_drop(emulator_target):
    emulator_target.control.add_fault("drop", count=1)
    with pytest.raises(CloudError):
        emulator_target.get_callback()
    ok(emulator_target.get_callback())


def test_flt_latency(emulator_target):
    for _ in range(2):
        emulator_target.control.add_fault("latency", operation="GetEventCallback", latency_ms=200)
    started = time.monotonic()
    ok(emulator_target.get_callback())
    delayed = time.monotonic() - started
    started = time.monotonic()
    ok(emulator_target.mns("ListQueue"))
    assert delayed >= 0.4 > time.monotonic() - started


def test_flt_trigger(emulator_target):
    control = emulator_target.control
    control.add_fault("throttle", operation="GetEventCallback", region="cn-beijing", count=2)
    ok(emulator_target.get_callback())  # another region
    for _ in range(2):
        expect(
            emulator_target.call("ice", "GetEventCallback", region="cn-beijing"),
            400,
            "Throttling.User",
        )
    ok(emulator_target.call("ice", "GetEventCallback", region="cn-beijing"))
    control.clear_faults()

    def pattern(seed):
        control.clear_faults()
        control.add_fault("unavailable", rate=0.5, seed=seed)
        return [emulator_target.get_callback().status for _ in range(12)]

    assert pattern(7) == pattern(7)
    assert set(pattern(7)) == {200, 503}


def test_flt_counters(emulator_target):
    control = emulator_target.control
    emulator_target.get_callback()
    emulator_target.call("ice", "GetEventCallback", signing="wrong-secret")
    emulator_target.call("ice", "GetEventCallback", region="cn-beijing")
    emulator_target.mns("ListQueue")
    counters = control.counters()
    assert counters["total"] == 4
    assert counters["regions"] == {
        "cn-shanghai": {"GetEventCallback": 2, "ListQueue": 1},
        "cn-beijing": {"GetEventCallback": 1},
    }
    control.reset_counters()
    assert control.counters()["total"] == 0
