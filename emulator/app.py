"""The emulator without its transport: cloud API dispatch and the ``/_emulator/`` admin API."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apispec.assumptions import DOCUMENTED, Assumptions
from components.core.regions import REGION_IDS
from emulator import ice, mns
from emulator.api import ApiRequest, Product, route
from emulator.auth import Authenticator
from emulator.delivery import fire_event
from emulator.errors import ApiError, internal_error
from emulator.faults import CallCounters, FaultInjector
from emulator.state import State, StateStore

ADMIN_PREFIX = "/_emulator/"
REDACTED = "<redacted>"


def products(assume: Assumptions) -> tuple[Product, ...]:
    """The two products served, ICE answering per ``assume``."""
    return (
        Product("ice", "2020-11-09", "ICE", ice.actions(assume)),
        Product("mns-open", "2022-01-19", "Mns-open", mns.ACTIONS),
    )


logger = logging.getLogger(__name__)


@dataclass
class Emulator:
    """Everything a running emulator holds; shared by all request threads."""

    store: StateStore
    authenticator: Authenticator
    allow_external_delivery: bool = False
    faults: FaultInjector = field(default_factory=FaultInjector)
    counters: CallCounters = field(default_factory=CallCounters)
    assume: Assumptions = DOCUMENTED
    products: tuple[Product, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.products = products(self.assume)


@dataclass(frozen=True)
class ApiReply:
    """The answer to a cloud API request; ``body`` None means: drop the connection."""

    status: int
    body: dict[str, Any] | None
    request_id: str
    action: str = ""
    region: str = ""


def new_request_id() -> str:
    """A request id in the gateway's upper-case UUID format."""
    return str(uuid.uuid4()).upper()


@dataclass
class _Trace:
    """What is known about a request so far (for the reply and the access log)."""

    pop_code: str = ""
    action: str = ""
    region: str = ""


def _serve_api(emu: Emulator, request: ApiRequest, trace: _Trace) -> dict[str, Any] | None:
    """Route, count, authenticate, apply faults, run the operation; None means drop."""
    product, trace.region = route(request.host, emu.products)
    trace.pop_code = product.pop_code
    trace.action = request.headers.get("x-acs-action") or request.query.get("Action", "")
    version = request.headers.get("x-acs-version") or request.query.get("Version", "")
    handler = product.actions.get(trace.action)
    if handler is None:
        raise ApiError(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )
    if version != product.version:
        raise ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
    emu.counters.record(trace.region, trace.action)
    if emu.authenticator.verify(request) != trace.action:
        raise ApiError(400, "IncompleteSignature", "The signed action differs from x-acs-action.")
    decision = emu.faults.decide(trace.region, trace.action)
    time.sleep(decision.delay_s)
    if decision.drop:
        return None
    if decision.error is not None:
        raise decision.error
    return handler(emu.store, trace.region, request.params)


def handle_api(emu: Emulator, request: ApiRequest) -> ApiReply:
    """Answer one cloud API request; errors become the gateway's JSON error body."""
    request_id = new_request_id()
    trace = _Trace()
    try:
        body = _serve_api(emu, request, trace)
    except ApiError as exc:
        error = exc
    except Exception as exc:  # never log the exception text: it may contain request values
        logger.error("internal error in %s: %s", trace.action or "?", type(exc).__name__)  # noqa: TRY400
        error = internal_error()
    else:
        reply = None if body is None else {"RequestId": request_id, **body}
        return ApiReply(0 if reply is None else 200, reply, request_id, trace.action, trace.region)
    return ApiReply(
        error.status,
        error.body(request_id, request.host, trace.pop_code),
        request_id,
        trace.action,
        trace.region,
    )


class AdminError(Exception):
    """An admin API failure: HTTP status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def redact_state(state: State) -> dict[str, Any]:
    """The state with every AuthKey replaced (admin responses never carry the secret)."""
    regions = {
        name: {**rs, "callback": redact_callback(rs["callback"])}
        for name, rs in state["regions"].items()
    }
    return {**state, "regions": regions}


def redact_callback(callback: Mapping[str, str]) -> dict[str, str]:
    """A callback configuration with the AuthKey value replaced."""
    return {k: REDACTED if k == "AuthKey" else v for k, v in callback.items()}


def _region(payload: Mapping[str, Any]) -> str:
    region = payload.get("region")
    if region not in REGION_IDS:
        raise AdminError(400, f"region must be one of: {', '.join(sorted(REGION_IDS))}")
    return str(region)


def _str_field(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise AdminError(400, f"{name} is required")
    return value


def _reset(emu: Emulator, _payload: Mapping[str, Any], _arg: str) -> dict[str, Any]:
    emu.store.reset()
    emu.faults.clear()
    emu.counters.reset()
    return {}


def _console_edit(emu: Emulator, payload: Mapping[str, Any], _arg: str) -> dict[str, Any]:
    set_fields = payload.get("set", {})
    unset = payload.get("unset", [])
    if not isinstance(set_fields, dict) or not all(isinstance(v, str) for v in set_fields.values()):
        raise AdminError(400, "set must map field names to strings")
    if not isinstance(unset, list):
        raise AdminError(400, "unset must be a list of field names")
    callback = ice.console_edit(emu.store, _region(payload), set_fields, unset)
    return {"callback": redact_callback(callback)}


def _add_fault(emu: Emulator, payload: Mapping[str, Any], _arg: str) -> dict[str, Any]:
    return dict(emu.faults.add(dict(payload)))


def _clear_faults(emu: Emulator, _payload: Mapping[str, Any], _arg: str) -> dict[str, Any]:
    emu.faults.clear()
    return {}


def _remove_fault(emu: Emulator, _payload: Mapping[str, Any], rule_id: str) -> dict[str, Any]:
    if not emu.faults.remove(rule_id):
        raise AdminError(404, "no such fault rule")
    return {}


def _reset_counters(emu: Emulator, _payload: Mapping[str, Any], _arg: str) -> dict[str, Any]:
    emu.counters.reset()
    return {}


def _fire_event(emu: Emulator, payload: Mapping[str, Any], _arg: str) -> dict[str, Any]:
    overrides = payload.get("message_body")
    if overrides is not None and not isinstance(overrides, dict):
        raise AdminError(400, "message_body must be an object")
    result = fire_event(
        emu.store,
        _region(payload),
        _str_field(payload, "event"),
        body_overrides=overrides,
        allow_external=emu.allow_external_delivery,
    )
    return dict(result)


def _receive_messages(emu: Emulator, payload: Mapping[str, Any], _arg: str) -> dict[str, Any]:
    max_messages = payload.get("max_messages", 16)
    if not isinstance(max_messages, int) or not 1 <= max_messages <= 1000:
        raise AdminError(400, "max_messages must be an integer between 1 and 1000")
    messages = mns.receive_messages(
        emu.store,
        _region(payload),
        _str_field(payload, "queue"),
        max_messages,
        bool(payload.get("peek", False)),
    )
    return {"messages": messages}


AdminRoute = Callable[[Emulator, Mapping[str, Any], str], dict[str, Any]]
_ADMIN_ROUTES: dict[tuple[str, str], AdminRoute] = {
    ("GET", "health"): lambda emu, _p, _a: {
        "ok": True,
        "state_file": str(emu.store.path),
        "assume": emu.assume.as_dict(),
    },
    ("GET", "state"): lambda emu, _p, _a: redact_state(emu.store.snapshot()),
    ("POST", "reset"): _reset,
    ("POST", "console-edit"): _console_edit,
    ("GET", "faults"): lambda emu, _p, _a: {"rules": emu.faults.rules()},
    ("POST", "faults"): _add_fault,
    ("DELETE", "faults"): _clear_faults,
    ("DELETE", "faults/*"): _remove_fault,
    ("GET", "counters"): lambda emu, _p, _a: dict(emu.counters.info()),
    ("POST", "counters/reset"): _reset_counters,
    ("POST", "fire-event"): _fire_event,
    ("POST", "receive-messages"): _receive_messages,
}


def handle_admin(
    emu: Emulator, method: str, path: str, payload: Mapping[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Run one admin request; return (HTTP status, JSON body)."""
    name = path[len(ADMIN_PREFIX) :].strip("/")
    head, _, arg = name.partition("/")
    route_fn = _ADMIN_ROUTES.get((method, name)) or (
        _ADMIN_ROUTES.get((method, f"{head}/*")) if arg else None
    )
    if route_fn is None:
        return 404, {"error": f"no admin route {method} {ADMIN_PREFIX}{name}"}
    try:
        return 200, route_fn(emu, payload, arg)
    except AdminError as exc:
        return exc.status, {"error": str(exc)}
    except ApiError as exc:
        return exc.status, {"error": exc.code, "message": exc.message}
    except ValueError as exc:
        return 400, {"error": str(exc)}
