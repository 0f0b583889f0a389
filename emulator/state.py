"""The emulator's persistent state: one JSON file, atomic writes, one lock.

Layout (``version`` 1)::

    {"version": 1,
     "regions": {"cn-beijing": {"callback": {"CallbackType": "HTTP", ...},
                                "queues":   {"ice-callback-x": {<queue attributes>}},
                                "messages": {"ice-callback-x": [<message>, ...]}}}}
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict, cast

STATE_VERSION = 1


class RegionState(TypedDict):
    """Everything the emulator keeps for one region."""

    callback: dict[str, str]
    queues: dict[str, dict[str, Any]]
    messages: dict[str, list[dict[str, Any]]]


class State(TypedDict):
    """The whole state file."""

    version: int
    regions: dict[str, RegionState]


class StateError(Exception):
    """The state file cannot be read or has an unknown layout."""


def empty_state() -> State:
    """A state with no region configured."""
    return {"version": STATE_VERSION, "regions": {}}


def region_state(state: State, region: str) -> RegionState:
    """Return (creating it if needed) the state of ``region``."""
    return state["regions"].setdefault(region, {"callback": {}, "queues": {}, "messages": {}})


class StateStore:
    """Thread-safe owner of the state file.

    ``view()`` yields the live state under the lock for reading; ``mutate()`` yields a
    copy and, only if the block exits normally, persists it (tmp file + fsync + rename)
    and makes it current, so a failed request never leaves partial changes behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._state = self._load()
        self._save(self._state)

    def _load(self) -> State:
        if not self.path.exists():
            return empty_state()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateError(f"cannot read state file {self.path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise StateError(f"state file {self.path} is not an emulator state (version 1)")
        return cast(State, data)

    def _save(self, state: State) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(state, fh, indent=2, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def view(self) -> Iterator[State]:
        """Hold the lock and yield the current state (do not modify it)."""
        with self._lock:
            yield self._state

    @contextmanager
    def mutate(self) -> Iterator[State]:
        """Yield a working copy; persist and publish it when the block succeeds."""
        with self._lock:
            work = copy.deepcopy(self._state)
            yield work
            self._save(work)
            self._state = work

    def snapshot(self) -> State:
        """A deep copy of the current state."""
        with self._lock:
            return copy.deepcopy(self._state)

    def reset(self) -> None:
        """Forget every region (persisted immediately)."""
        with self.mutate() as state:
            state["regions"] = {}
