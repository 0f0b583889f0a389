"""The restore record of a live run and putting a region back the way it was.

Before a live run changes anything it writes the region's current callback setting to a
restore record (``.state/contract-restore-<region>.json``). The record necessarily holds the
region's AuthKey in plain text, so it is created with mode 0600 in a 0700 directory and
deleted once the setting is back. Every queue name the run generates is added to the record
before the queue is created. ``python -m contract restore --file ...`` works from
the record alone, e.g. after the run was killed.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from components.core.fingerprint import fingerprint
from contract.target import Target

RECORD_VERSION = 1
PARK_URL = "https://ims-contract-parked.invalid/callback"
PARKED: Mapping[str, str] = {
    "CallbackType": "HTTP",
    "CallbackURL": PARK_URL,
    "AuthSwitch": "off",
    "EventTypeList": "",
}
"""What a never-configured region is left with: IMS has no API to delete a callback."""


class RecordError(Exception):
    """The restore record is missing, unreadable or already exists."""


def _write_private(path: Path, data: Mapping[str, Any], *, exclusive: bool) -> None:
    """Write JSON with mode 0600 (atomically; ``exclusive``: fail if ``path`` exists)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise RecordError(f"{path} already exists") from None
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass
class RestoreRecord:
    """What a restore needs: where, the original fields (AuthKey included), our queues."""

    region: str
    run_prefix: str
    original: dict[str, str]
    emulator: str | None = None
    queues: list[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> dict[str, Any]:
        """The file's content."""
        return {
            "version": RECORD_VERSION,
            "created": self.created,
            "region": self.region,
            "emulator": self.emulator,
            "run_prefix": self.run_prefix,
            "original": self.original,
            "queues": self.queues,
        }

    def create(self, path: Path) -> None:
        """Write a new record; refuse to replace one left by an interrupted run."""
        _write_private(path, self.to_json(), exclusive=True)

    def save(self, path: Path) -> None:
        """Rewrite the record (after adding a queue name)."""
        _write_private(path, self.to_json(), exclusive=False)

    @classmethod
    def load(cls, path: Path) -> RestoreRecord:
        """Read a record written by :meth:`create`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RecordError(f"cannot read restore record {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise RecordError(f"{path} is not a contract restore record (version 1)")
        return cls(
            region=str(data["region"]),
            run_prefix=str(data["run_prefix"]),
            original={str(k): str(v) for k, v in data["original"].items()},
            emulator=data.get("emulator"),
            queues=[str(q) for q in data.get("queues", [])],
            created=str(data.get("created", "")),
        )


Status = Literal["restored", "parked", "failed"]


@dataclass(frozen=True)
class RestoreOutcome:
    """What a restore did; ``detail`` names fields and fingerprints, never values of secrets."""

    status: Status
    detail: str
    deleted_queues: tuple[str, ...] = ()
    queue_errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """The callback is back (or parked) and every queue of the run is gone."""
        return self.status != "failed" and not self.queue_errors

    def summary(self, region: str) -> str:
        """One paragraph for a terminal."""
        lines = [f"contract restore of {region}: {self.status}: {self.detail}"]
        lines.append(f"  deleted {len(self.deleted_queues)} queue(s) created by the run")
        lines.extend(f"  queue not deleted: {problem}" for problem in self.queue_errors)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """JSON form for the report."""
        return {
            "status": self.status,
            "detail": self.detail,
            "deleted_queues": list(self.deleted_queues),
            "queue_errors": list(self.queue_errors),
        }


class _RestoreError(Exception):
    """A step of the callback restore failed (the message names no secret)."""


def _live_fields(target: Target) -> dict[str, str]:
    reply = target.get_callback()
    if not reply.ok:
        raise _RestoreError(f"GetEventCallback answered {reply.outcome}")
    return {name: value for name, value in reply.callback(mask=False).items() if value}


def _set(target: Target, fields: Mapping[str, str]) -> None:
    reply = target.set_callback(**fields)
    if not reply.ok:
        raise _RestoreError(f"SetEventCallback answered {reply.outcome}")


def _same(name: str, left: str | None, right: str | None) -> bool:
    if name == "EventTypeList":
        return sorted((left or "").split(",")) == sorted((right or "").split(","))
    return left == right


def _describe(fields: Mapping[str, str]) -> str:
    shown = {k: fingerprint(v) if k == "AuthKey" else v for k, v in fields.items()}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))


def _restore_callback(target: Target, original: Mapping[str, str]) -> tuple[Status, str]:
    if not original:
        _set(target, PARKED)
        if _live_fields(target).get("EventTypeList"):
            raise _RestoreError("parked, but the setting still subscribes events")
        return "parked", (
            f"the region had no callback and IMS cannot delete one: left at {PARK_URL}"
            " with no events and auth off"
        )
    _set(target, original)
    live = _live_fields(target)
    leftovers = sorted(set(live) - set(original))
    if leftovers:  # the service kept fields the run had set: clear them explicitly
        _set(target, {**original, **dict.fromkeys(leftovers, "")})
        live = _live_fields(target)
    differ = sorted(
        n for n in set(live) | set(original) if not _same(n, live.get(n), original.get(n))
    )
    if differ:
        raise _RestoreError(f"fields still differ after restoring: {', '.join(differ)}")
    return "restored", _describe(original)


def _delete_queues(target: Target, names: list[str]) -> tuple[list[str], list[str]]:
    deleted, errors = [], []
    for name in dict.fromkeys(names):
        reply = target.mns("DeleteQueue", QueueName=name)
        if reply.ok:
            deleted.append(name)
        elif reply.code not in ("QueueNotExist", "InvalidQueueName", "QueueNameLengthError"):
            errors.append(f"{name}: {reply.outcome}")
    return deleted, errors


def restore(record: RestoreRecord, target: Target) -> RestoreOutcome:
    """Put the recorded setting back (or park a never-configured region), then delete every
    queue the run created. Never raises for service answers; see ``RestoreOutcome.ok``."""
    target.step = "restore"
    status: Status
    try:
        status, detail = _restore_callback(target, record.original)
    except _RestoreError as exc:
        status, detail = "failed", str(exc)
    deleted, errors = _delete_queues(target, record.queues)
    return RestoreOutcome(status, detail, tuple(deleted), tuple(errors))


def restore_and_clear(record: RestoreRecord, path: Path, target: Target) -> RestoreOutcome:
    """:func:`restore`, then delete the record if everything is back, else keep it."""
    outcome = restore(record, target)
    if outcome.ok:
        path.unlink(missing_ok=True)
    return outcome


class RestoreGuard:
    """Runs a restore exactly once: when asked, on SIGINT/SIGTERM/SIGHUP, or at exit.

    A signal restores first and then raises KeyboardInterrupt, so that pytest stops and
    still runs its finalizers (which find the work done). A signal that arrives while the
    restore runs is ignored. SIGKILL cannot be caught: use the restore command.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self, restore_once: Callable[[], RestoreOutcome]) -> None:
        """``restore_once`` must not raise: it reports failures in its outcome."""
        self._restore = restore_once
        self._running = False
        self._previous: dict[int, Any] = {}
        self.outcome: RestoreOutcome | None = None

    def install(self) -> None:
        """Register the exit hook and the signal handlers (main thread only)."""
        atexit.register(self.run)
        for sig in self.SIGNALS:
            self._previous[sig] = signal.signal(sig, self._on_signal)

    def uninstall(self) -> None:
        """Put the previous handlers back."""
        atexit.unregister(self.run)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def run(self) -> RestoreOutcome | None:
        """Restore unless already done (or running); return the outcome."""
        if self.outcome is None and not self._running:
            self._running = True
            try:
                self.outcome = self._restore()
            finally:
                self._running = False
        return self.outcome

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self._running:
            return
        self.run()
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")
