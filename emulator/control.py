"""Typed client of the emulator's admin API (``/_emulator/...``), used by the CLI and tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from emulator.api import is_loopback_host
from emulator.delivery import DeliveryResult
from emulator.faults import CountersInfo, FaultKind, FaultRuleInfo

DEFAULT_TIMEOUT_S = 30.0
"""Long enough for a fire-event whose HTTP target times out three times (3 x 3 s + 2 x 1 s)."""


class EmulatorControlError(Exception):
    """The admin API answered with an error (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"emulator admin API error {status}: {message}")
        self.status = status
        self.message = message


class EmulatorControl:
    """Admin client for an emulator at ``base_url`` (``http://127.0.0.1:<port>``)."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not is_loopback_host(parts.hostname or ""):
            raise ValueError(f"emulator URL must be http://<loopback>:<port>, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _call(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - loopback http URL checked in __init__
            f"{self.base_url}/_emulator/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return cast(dict[str, Any], json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read()).get("error", exc.reason)
            except ValueError:
                detail = exc.reason
            raise EmulatorControlError(exc.code, str(detail)) from None
        except OSError as exc:
            raise EmulatorControlError(0, f"cannot reach {self.base_url}: {exc}") from None

    def health(self) -> dict[str, Any]:
        """``{"ok": true, "state_file": ...}``."""
        return self._call("GET", "health")

    def state(self) -> dict[str, Any]:
        """The whole state (AuthKey values redacted)."""
        return self._call("GET", "state")

    def reset(self) -> None:
        """Forget all regions, queues and messages; clear faults and counters."""
        self._call("POST", "reset", {})

    def console_edit(
        self, region: str, set_fields: Mapping[str, str] | None = None, unset: Sequence[str] = ()
    ) -> dict[str, str]:
        """Change the region's callback out of band (no API validation); return it (redacted)."""
        reply = self._call(
            "POST",
            "console-edit",
            {"region": region, "set": dict(set_fields or {}), "unset": list(unset)},
        )
        return cast(dict[str, str], reply["callback"])

    def add_fault(
        self,
        kind: FaultKind,
        *,
        operation: str | None = None,
        region: str | None = None,
        rate: float | None = None,
        count: int | None = None,
        latency_ms: int = 0,
        seed: int = 0,
    ) -> FaultRuleInfo:
        """Add a fault rule (always / at ``rate`` / for the next ``count`` matching calls)."""
        spec = {
            "kind": kind,
            "operation": operation,
            "region": region,
            "rate": rate,
            "count": count,
            "latency_ms": latency_ms,
            "seed": seed,
        }
        return cast(FaultRuleInfo, self._call("POST", "faults", spec))

    def faults(self) -> list[FaultRuleInfo]:
        """Every fault rule with its trigger counts."""
        return cast(list[FaultRuleInfo], self._call("GET", "faults")["rules"])

    def remove_fault(self, rule_id: str) -> None:
        """Remove one fault rule."""
        self._call("DELETE", f"faults/{rule_id}")

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "faults")

    def counters(self) -> CountersInfo:
        """API calls received per operation and per region."""
        return cast(CountersInfo, self._call("GET", "counters"))

    def reset_counters(self) -> None:
        """Zero the call counters."""
        self._call("POST", "counters/reset", {})

    def fire_event(
        self, region: str, event: str, message_body: Mapping[str, Any] | None = None
    ) -> DeliveryResult:
        """Deliver ``event`` per the region's configuration and report what happened."""
        payload: dict[str, Any] = {"region": region, "event": event}
        if message_body is not None:
            payload["message_body"] = dict(message_body)
        return cast(DeliveryResult, self._call("POST", "fire-event", payload))

    def receive_messages(
        self, region: str, queue: str, max_messages: int = 16, *, peek: bool = False
    ) -> list[dict[str, Any]]:
        """Oldest messages of an emulated queue; consumed unless ``peek``."""
        payload = {"region": region, "queue": queue, "max_messages": max_messages, "peek": peek}
        return cast(
            list[dict[str, Any]], self._call("POST", "receive-messages", payload)["messages"]
        )
