"""The restore record, the restore itself, the guard and the live session's refusals."""

from __future__ import annotations

import os
import signal

import pytest

from contract.cli import main
from contract.restore import (
    PARK_URL,
    RecordError,
    RestoreGuard,
    RestoreOutcome,
    RestoreRecord,
    restore,
)
from contract.session import LiveConfig, LiveSession, NotReadyError
from contract.target import ForeignQueueError, Target
from tests.contract.helpers import EVENTS, URL, http, ok, stored


def test_record_is_private_and_never_replaced(tmp_path):
    path = tmp_path / "state" / "contract-restore-cn-shanghai.json"
    record = RestoreRecord(
        "cn-shanghai", "ice-callback-contract-abc123-", {"AuthKey": "Secret1Key"}
    )
    record.create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    with pytest.raises(RecordError, match="already exists"):
        record.create(path)
    record.queues.append("ice-callback-contract-abc123-q1")
    record.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert RestoreRecord.load(path) == record
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_restore_puts_fields_back_and_deletes_the_runs_queues(emulator_target):
    key = emulator_target.new_auth_key()
    original = {"CallbackType": "HTTP", "CallbackURL": URL, "AuthSwitch": "on", "AuthKey": key}
    queue = emulator_target.create_queue()
    ok(
        emulator_target.set_callback(
            CallbackType="MNS", CallbackQueueName=queue, EventTypeList=EVENTS
        )
    )
    record = RestoreRecord(emulator_target.region, emulator_target.queue_prefix, original)
    record.queues += [queue, emulator_target.new_queue_name()]  # the second was never created
    outcome = restore(record, emulator_target)
    assert outcome.ok
    assert outcome.status == "restored"
    assert outcome.deleted_queues == (queue,)
    assert key not in outcome.summary(emulator_target.region)
    assert stored(emulator_target)["CallbackURL"] == URL
    assert ok(emulator_target.mns("ListQueue")).body["Data"]["Total"] == 0


def test_a_never_configured_region_is_parked_without_events(emulator_target):
    ok(http(emulator_target, EventTypeList=EVENTS))
    outcome = restore(RestoreRecord(emulator_target.region, "ice-callback-x-", {}), emulator_target)
    assert outcome.status == "parked"
    assert stored(emulator_target) == {
        "CallbackType": "HTTP",
        "CallbackURL": PARK_URL,
        "AuthSwitch": "off",
    }


def test_a_failed_restore_keeps_the_record(emulator_target, tmp_path, capsys, monkeypatch):
    path = tmp_path / "record.json"
    RestoreRecord(
        emulator_target.region,
        "ice-callback-x-",
        {"CallbackType": "MNS", "CallbackQueueName": "ice-callback-gone"},
        emulator_target.transport.emulator,
    ).create(path)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "IMSEMULATORKEYID")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ims-emulator-local-secret")
    assert main(["restore", "--file", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "failed: SetEventCallback answered 400 InvalidParameter" in out
    assert "the restore record is kept" in err
    assert path.exists()


def test_restore_command_errors(tmp_path, capsys):
    assert main(["restore", "--file", str(tmp_path / "missing.json")]) == 2
    assert "cannot read restore record" in capsys.readouterr().err


def test_guard_restores_once_on_a_signal_then_interrupts():
    calls = []

    def restore_once():
        calls.append(1)
        return RestoreOutcome("restored", "test")

    guard = RestoreGuard(restore_once)
    before = signal.getsignal(signal.SIGTERM)
    guard.install()
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            os.kill(os.getpid(), signal.SIGTERM)
        assert guard.run() == RestoreOutcome("restored", "test")
    finally:
        guard.uninstall()
    assert calls == [1]
    assert signal.getsignal(signal.SIGTERM) is before


def live_config(tmp_path, **overrides):
    values = {
        "region": "cn-shanghai",
        "queue_prefix": None,
        "state_dir": str(tmp_path),
        "allow_park": False,
        "environ": {"ALIBABA_CLOUD_ACCESS_KEY_ID": "AK", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "S"},
    }
    return LiveConfig.resolve(**{**values, **overrides})


def test_live_config_needs_credentials_and_region_and_checks_choices(tmp_path):
    with pytest.raises(NotReadyError, match=r"missing: credentials, region$"):
        live_config(tmp_path, region=None, environ={})
    with pytest.raises(NotReadyError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET is missing"):
        live_config(tmp_path, environ={"ALIBABA_CLOUD_ACCESS_KEY_ID": "AK"})
    with pytest.raises(NotReadyError, match="must start with ice-callback-"):
        live_config(tmp_path, queue_prefix="contract-")
    config = live_config(
        tmp_path,
        region=None,
        environ={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "AK",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "S",
            "IMS_CONTRACT_REGION": "cn-beijing",
            "IMS_CONTRACT_ALLOW_PARK": "1",
        },
    )
    assert (config.region, config.allow_park) == ("cn-beijing", True)
    assert config.record_path == tmp_path / "contract-restore-cn-beijing.json"


def test_live_session_refuses_to_start_over_a_left_record(tmp_path, emulator_target):
    config = live_config(tmp_path)
    config.record_path.write_text("{}")
    session = LiveSession(config, emulator_target.credential, emulator_target.transport)
    with pytest.raises(NotReadyError, match="restore --file"):
        session.open()
    assert emulator_target.control.counters()["total"] == 0


def test_never_configured_region_is_only_run_with_consent_and_then_parked(
    tmp_path, emulator_target
):
    def session(allow_park):
        config = live_config(tmp_path, allow_park=allow_park)
        return LiveSession(config, emulator_target.credential, emulator_target.transport)

    with pytest.raises(NotReadyError, match="--live-allow-park"):
        session(allow_park=False).open()
    assert not (tmp_path / "contract-restore-cn-shanghai.json").exists()
    parked = session(allow_park=True)
    target = parked.open()
    assert RestoreRecord.load(parked.config.record_path).original == {}
    ok(http(target, EventTypeList=EVENTS))
    outcome = parked.close()
    assert outcome is not None
    assert outcome.status == "parked"
    assert not parked.config.record_path.exists()
    assert stored(emulator_target)["CallbackURL"] == PARK_URL


def test_a_live_target_never_touches_a_queue_it_did_not_generate(emulator_target, emulator_process):
    live_like = Target(
        "live",
        emulator_target.region,
        emulator_target.credential,
        emulator_target.transport,
        queue_prefix="ice-callback-contract-abc123-",
        own_queues_only=True,
    )
    for action, params in (
        ("GetQueueAttributes", {"QueueName": "ice-callback-prod"}),
        ("DeleteQueue", {"QueueName": "ice-callback-contract-other-1"}),
        ("ListQueue", {}),
        ("ListQueue", {"QueueName": "ice-callback-"}),
    ):
        with pytest.raises(ForeignQueueError):
            live_like.call("mns-open", action, params)
    assert emulator_process.control.counters()["total"] == 0
    ok(live_like.mns("ListQueue", QueueName="ice-callback-contract-abc123-"))
