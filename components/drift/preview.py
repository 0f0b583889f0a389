"""Drift rendered from ``pulumi preview --refresh --json``, for any project that uses the ``ims``
resources or the ``ims:index:ImsCallbacks`` component, in any language, with any secrets
provider. The result is the drift check's own :class:`~components.drift.report.DriftReport`, so
every format and exit code is the same: 0 in sync, 2 when ``pulumi up`` would change an ``ims``
resource, 1 when the preview failed or its output cannot be read. Pure: no Pulumi import.

What the CLI (v3.274.1, measured against the emulator; fixtures in tests/drift/fixtures/) prints:

* Top level: ``steps``, ``diagnostics``, ``duration`` (ns), ``changeSummary`` (op -> count, the
  unchanged resources included; absent when the preview fails during the refresh) and, when the
  stack has config, ``config`` (its values, secrets as ``"[secret]"``).
* ``steps[]``: ``op``, ``urn``, ``provider``, ``oldState``, ``newState``, ``detailedDiff``,
  ``diffReasons`` (update), ``replaceReasons`` (replace). There is no top-level ``type``: it is
  ``oldState.type``/``newState.type``, and the last ``$`` part of the URN's type chain (a
  component's children: ``ims:index:ImsCallbacks$ims:index:RegionCallbacks$ims:index:
  EventCallback``).
* ``op``: first one ``refresh`` per resource in the state, whose ``oldState`` and ``newState``
  both hold the *stored* state (the refreshed values are not there); then ``same`` for the stack
  only (other unchanged resources are left out unless ``--show-sames``), ``update``, ``create``
  (no ``oldState``), ``delete`` (no ``newState``), ``replace`` (with
  ``--show-replacement-steps`` also ``delete-replaced`` and ``create-replacement``, same URN).
* ``update``/``replace``: ``oldState.inputs`` is the refreshed live setting (the provider's
  ``read`` returns inputs shaped like the program's), ``newState.inputs`` the program's (no
  ``id``, no outputs). ``detailedDiff`` is ``{property: {kind, inputDiff: false}}`` with the
  ``ims`` provider's names (``url``, ``events``, ``authKey``, ``queue`` attributes, behaviour
  inputs such as ``onDelete``), kind ``update``, or ``update-replace`` for ``region``; other
  providers may send ``{}`` and only ``diffReasons``.
* Secrets: always the string ``"[secret]"`` (``authKey``, ``previous``, config), even with
  ``--show-secrets``. The state format's ``{"4dabf18193072939515e22adb298388d":
  "1b47061264138c4ac30d75fd1eb44270", "plaintext"|"value"|"ciphertext": ...}`` is accepted too;
  a visible auth key is shown only as its fingerprint, and every visible secret is redacted.
* ``diagnostics[]``: ``message`` (prefixed ``error: ``/``warning: ``), ``severity``
  (``error``, ``warning``, ``info#err`` for the program's stderr lines, e.g. a traceback), and
  ``urn`` when a resource said it. A failed read is an error on the resource ("Preview failed:
  ice:GetEventCallback in cn-beijing failed: ...") plus "preview failed"; a program or config
  error has no ``urn``; either way the steps stop early. Without refresh there are no
  ``refresh`` steps and the ``ims`` provider warns "this run compares the program with the last
  stored state". A failure before the engine runs (wrong passphrase, no such stack) prints
  nothing on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from components.core.callback import CallbackSetting
from components.core.compare import QUEUE_ATTRIBUTES, compared_fields, display
from components.core.errors import NAMESPACE
from components.core.fingerprint import NONE_DISPLAY, fingerprint
from components.core.schema_fields import CALLBACK_QUEUE, EVENT_CALLBACK
from components.core.schema_types import PACKAGE
from components.drift.report import (
    DriftReport,
    FieldReport,
    FieldStatus,
    RegionReport,
    RegionStatus,
    StackReport,
)

SECRET_MASK = "[secret]"  # noqa: S105 - how the engine masks a secret, not a secret
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105 - the engine's secret marker
SECRET_TAG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 - (its key and value)
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""How the engine writes a value known only after ``pulumi up``."""
KNOWN_AFTER_UP = "(known after up)"
NOT_DEPLOYED = "(not deployed)"
DELETED = "(deleted)"
MISSING = "(missing)"
KEY_CHANGED_NOTE = "secret: the preview shows only that it changed"
NO_REFRESH = (
    "the preview did not refresh, so it compares the program with the last stored state and "
    "console changes do not show: run `pulumi preview --refresh --json` (or set "
    "`options: refresh: always` in Pulumi.yaml)"
)
PREVIEW_LABEL = "Preview file"
STDIN = "(stdin)"
_FIELD_ORDER = ("callbackType", "url", "queueName", "events", "authEnabled", "authKey")
_NO_CHANGE = frozenset({"same", "refresh", "read", "read-replacement", "read-discard"})
_CREATE = frozenset({"create", "import"})
_DELETE = frozenset({"delete", "discard"})
_REPLACE = frozenset(
    {"replace", "create-replacement", "delete-replaced", "import-replacement", "discard-replaced"}
)
_MAX_LINES = 20
_MAX_LINE = 300

Kind = Literal["in_sync", "update", "create", "delete", "replace", "other"]


class PreviewError(ValueError):
    """The text is not the output of ``pulumi preview --json``."""


# ------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class _Value:
    """One property value: plain data, whether it was secret, and whether it can be seen."""

    value: Any
    secret: bool = False
    visible: bool = True

    @property
    def unknown(self) -> bool:
        return self.visible and self.value == UNKNOWN_VALUE


def _unwrap(raw: Any) -> _Value:
    if raw == SECRET_MASK:
        return _Value(None, secret=True, visible=False)
    if isinstance(raw, Mapping) and raw.get(SECRET_SIG) == SECRET_TAG:
        if "plaintext" in raw:
            text = raw["plaintext"]
            try:
                return _Value(json.loads(text) if isinstance(text, str) else text, secret=True)
            except json.JSONDecodeError:
                return _Value(text, secret=True)
        if "value" in raw:
            return _Value(raw["value"], secret=True)
        return _Value(None, secret=True, visible=False)
    return _Value(raw)


def _visible_secrets(node: Any) -> Iterator[str]:
    """Every secret value the document shows in plain text (for redaction)."""
    if isinstance(node, Mapping):
        if node.get(SECRET_SIG) == SECRET_TAG:
            value = _unwrap(node)
            if value.visible:
                yield from _strings(value.value)
            return
        for key, child in node.items():
            if key == "authKey" and isinstance(child, str) and child != SECRET_MASK:
                yield child
            else:
                yield from _visible_secrets(child)
    elif isinstance(node, list):
        for child in node:
            yield from _visible_secrets(child)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for child in value.values():
            yield from _strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child)


def _show(value: _Value) -> str:
    """A non-auth-key value for display: secrets stay ``[secret]`` even when visible."""
    if value.secret:
        return SECRET_MASK
    if value.unknown:
        return KNOWN_AFTER_UP
    raw = value.value
    if raw is None or raw == "":
        return NONE_DISPLAY
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, list | dict):
        return json.dumps(raw, sort_keys=True, ensure_ascii=False)
    return str(raw)


def _show_key(value: _Value | None) -> str:
    """An auth key: its fingerprint if the preview shows it, else ``[secret]``."""
    if value is None or not value.visible:
        return SECRET_MASK
    if value.unknown:
        return KNOWN_AFTER_UP
    return fingerprint(value.value if isinstance(value.value, str) else "")


# ---------------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class _Props:
    """The inputs of one state (``oldState`` or ``newState``), unwrapped."""

    values: Mapping[str, _Value]

    @classmethod
    def of(cls, state: Any) -> _Props | None:
        if not isinstance(state, Mapping):
            return None
        inputs = state.get("inputs")
        if not isinstance(inputs, Mapping):
            inputs = state.get("outputs")
        if not isinstance(inputs, Mapping):
            inputs = {}
        return cls({str(k): _unwrap(v) for k, v in inputs.items()})

    def get(self, name: str) -> _Value:
        return self.values.get(name, _Value(None))

    def plain(self, name: str) -> Any:
        value = self.get(name)
        return value.value if value.visible and not value.unknown else None

    def text(self, name: str) -> str:
        value = self.plain(name)
        return value if isinstance(value, str) else ""

    def setting(self) -> CallbackSetting:
        """The callback fields that may be shown (secrets and unknowns left empty)."""
        state = {
            name: self.plain(name)
            for name in ("callbackType", "url", "queueName", "events", "authEnabled")
            if not self.get(name).secret
        }
        events = state.get("events")
        if events is not None and not isinstance(events, list | str):
            raise PreviewError(f"events is {type(events).__name__}, not a list")
        try:
            return CallbackSetting.from_state(state)
        except (TypeError, ValueError) as exc:
            raise PreviewError(str(exc)) from None

    def field(self, name: str, setting: CallbackSetting) -> str:
        if name == "authKey":
            return _show_key(self.values.get(name))
        value = self.get(name)
        if value.secret:
            return SECRET_MASK
        if value.unknown:
            return KNOWN_AFTER_UP
        return display(name, setting)

    def region(self, state: Any, queue: bool) -> str:
        region = self.get("region")
        if region.visible and isinstance(region.value, str) and region.value:
            return KNOWN_AFTER_UP if region.unknown else region.value
        ident = state.get("id") if isinstance(state, Mapping) else None
        if isinstance(ident, str) and ident:
            return ident.split("/", 1)[0] if queue else ident
        return "(unknown region)"


def _type(step: Mapping[str, Any]) -> str:
    for key in ("newState", "oldState"):
        state = step.get(key)
        if isinstance(state, Mapping) and isinstance(state.get("type"), str):
            return str(state["type"])
    parts = str(step.get("urn", "")).split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


@dataclass(frozen=True)
class _Step:
    """One resource's step: what ``pulumi up`` would do to it."""

    op: str
    urn: str
    type: str
    old_state: Any
    new_state: Any
    diff: tuple[str, ...]

    @classmethod
    def of(cls, raw: Any, index: int) -> _Step:
        if not isinstance(raw, Mapping):
            raise PreviewError(f"steps[{index}] is not an object")
        op, urn = raw.get("op"), raw.get("urn")
        if not isinstance(op, str) or not isinstance(urn, str):
            raise PreviewError(f"steps[{index}] has no op or urn")
        detailed = raw.get("detailedDiff")
        keys: list[str] = list(detailed) if isinstance(detailed, Mapping) else []
        for key in ("diffReasons", "replaceReasons"):
            reasons = raw.get(key)
            if not keys and isinstance(reasons, list):
                keys = [str(r) for r in reasons]
        diff = tuple(dict.fromkeys(k.split(".", 1)[0].split("[", 1)[0] for k in keys))
        return cls(op, urn, _type(raw), raw.get("oldState"), raw.get("newState"), diff)

    @property
    def kind(self) -> Kind:
        if self.op in _NO_CHANGE:
            return "in_sync"
        if self.op == "update":
            return "update"
        if self.op in _CREATE:
            return "create"
        if self.op in _DELETE:
            return "delete"
        if self.op in _REPLACE:
            return "replace"
        return "other"

    @property
    def old(self) -> _Props | None:
        return _Props.of(self.old_state)

    @property
    def new(self) -> _Props | None:
        return _Props.of(self.new_state)


# ------------------------------------------------------------------------------------ regions


@dataclass
class _Region:
    """What the preview says about one region, collected from its resources."""

    region: str
    delivery: str = ""
    statuses: list[RegionStatus] = field(default_factory=list)
    callback: list[FieldReport] = field(default_factory=list)
    queue: list[FieldReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def report(self) -> RegionReport:
        delivery = self.delivery or ("mns" if self.queue else "http")
        if self.errors:
            return RegionReport(self.region, "error", delivery, error="; ".join(self.errors))
        order: tuple[RegionStatus, ...] = ("drifted", "not_configured", "in_sync")
        status: RegionStatus = next((s for s in order if s in self.statuses), "in_sync")
        return RegionReport(self.region, status, delivery, (*self.callback, *self.queue))


def _callback_names(setting: CallbackSetting, props: _Props, diff: Iterable[str]) -> list[str]:
    """The drift check's fields for this setting, plus any other callback field in the diff."""
    has_key = props.get("authKey")
    keyed = CallbackSetting.from_state(
        {
            "callbackType": setting.callback_type,
            "authEnabled": setting.auth_enabled,
            "authKey": "known" if not has_key.visible or props.text("authKey") else "",
        }
    )
    names = set(compared_fields(keyed)) | {d for d in diff if d in _FIELD_ORDER}
    return [name for name in _FIELD_ORDER if name in names]


def _first_note(fields: list[FieldReport], note: str) -> list[FieldReport]:
    if not fields:
        return fields
    first = fields[0]
    return [FieldReport(first.field, first.status, first.desired, first.live, note), *fields[1:]]


class _Builder:
    """Turns the steps of one preview into regions, warnings and the count of other changes."""

    def __init__(self) -> None:
        self.regions: dict[str, _Region] = {}
        self.warnings: list[str] = []
        self.others: dict[str, str] = {}
        self.by_urn: dict[str, str] = {}
        """URN -> region of every ims resource with a row."""

    def _region(self, name: str) -> _Region:
        return self.regions.setdefault(name, _Region(name))

    def add(self, step: _Step) -> None:
        if step.type == EVENT_CALLBACK.token:
            self._callback(step)
        elif step.type == CALLBACK_QUEUE.token:
            self._queue(step)
        elif step.kind != "in_sync" and not step.type.startswith(f"{PACKAGE}:"):
            self.others[step.urn] = step.op

    # -- EventCallback

    def _callback(self, step: _Step) -> None:
        kind, old, new = step.kind, step.old, step.new
        if kind == "replace" and old and new:
            before = old.region(step.old_state, queue=False)
            after = new.region(step.new_state, queue=False)
            if before != after:
                note = f"replaced: the setting moves from {before} to {after}"
                self._callback_gone(step, old, note)
                self._callback_new(step, new, note)
                return
        desired, live = new or old, old or new
        if kind in ("in_sync", "update", "replace", "other") and desired and live:
            self._callback_diff(step, desired, live)
        elif kind == "create" and new:
            self._callback_new(step, new, "not in the stack's state: pulumi up creates it")
        elif kind == "delete" and old:
            on_delete = _show(old.get("onDelete"))
            note = f"no longer declared: pulumi up deletes it (onDelete: {on_delete})"
            self._callback_gone(step, old, note)

    def _callback_row(self, step: _Step, props: _Props, state: Any) -> _Region:
        row = self._region(props.region(state, queue=False))
        delivery = (props.setting().callback_type or "").lower()
        if delivery in ("http", "mns"):
            row.delivery = delivery
        self.by_urn[step.urn] = row.region
        return row

    def _callback_diff(self, step: _Step, new: _Props, old: _Props) -> None:
        row = self._callback_row(step, new, step.new_state or step.old_state)
        desired, live = new.setting(), old.setting()
        changed = set(step.diff) if step.kind != "in_sync" else set()
        fields = []
        for name in _callback_names(desired, new, changed):
            drifted = name in changed
            note = (
                KEY_CHANGED_NOTE if drifted and name == "authKey" and not _seen(new, old) else None
            )
            fields.append(
                FieldReport(
                    name,
                    "drifted" if drifted else "in_sync",
                    new.field(name, desired),
                    old.field(name, live),
                    note,
                )
            )
        if step.kind == "replace":
            fields = _first_note(fields, "pulumi up replaces it")
        row.callback.extend(fields)
        extra = [d for d in step.diff if d not in _FIELD_ORDER and d != "region"]
        for name in extra:
            self.warnings.append(
                f"{row.region}: pulumi up also changes {name} "
                f"({_show(old.get(name))} -> {_show(new.get(name))})"
            )
        if step.kind == "other":
            self.warnings.append(f"{row.region}: unrecognised step {step.op!r} for {step.urn}")
        row.statuses.append("in_sync" if step.kind == "in_sync" else "drifted")

    def _callback_new(self, step: _Step, new: _Props, note: str) -> None:
        row = self._callback_row(step, new, step.new_state)
        desired = new.setting()
        fields = [
            FieldReport(name, "drifted", new.field(name, desired), NOT_DEPLOYED)
            for name in _callback_names(desired, new, ())
        ]
        row.callback.extend(_first_note(fields, note))
        row.statuses.append("not_configured")

    def _callback_gone(self, step: _Step, old: _Props, note: str) -> None:
        row = self._callback_row(step, old, step.old_state)
        live = old.setting()
        fields = [
            FieldReport(name, "drifted", DELETED, old.field(name, live))
            for name in _callback_names(live, old, ())
        ]
        row.callback.extend(_first_note(fields, note))
        row.statuses.append("drifted")

    # -- CallbackQueue

    def _queue(self, step: _Step) -> None:
        kind, old, new = step.kind, step.old, step.new
        props = new or old
        if props is None:
            return
        if kind == "replace" and old and new:
            before = old.region(step.old_state, queue=True)
            after = new.region(step.new_state, queue=True)
            if before != after:
                note = f"replaced: the queue moves from {before} to {after}"
                self._queue_field(step, old, DELETED, _show(old.get("queueName")), note)
                self._queue_field(step, new, _show(new.get("queueName")), MISSING, note)
            else:
                name_new, name_old = _show(new.get("queueName")), _show(old.get("queueName"))
                self._queue_field(step, new, name_new, name_old, "pulumi up replaces the queue")
            return
        if kind == "create" and new:
            name = _show(new.get("queueName"))
            self._queue_field(step, new, name, MISSING, "pulumi up creates the queue")
            return
        if kind == "delete" and old:
            note = "no longer declared: pulumi up deletes the queue"
            self._queue_field(step, old, DELETED, _show(old.get("queueName")), note)
            return
        live = old or props
        row = self._region(props.region(step.new_state or step.old_state, queue=True))
        self.by_urn[step.urn] = row.region
        changed = set(step.diff) if kind != "in_sync" else set()
        for prop in QUEUE_ATTRIBUTES:
            if prop in props.values or prop in changed:
                status: FieldStatus = "drifted" if prop in changed else "in_sync"
                row.queue.append(
                    FieldReport(
                        f"queue.{prop}", status, _show(props.get(prop)), _show(live.get(prop))
                    )
                )
        for name in (d for d in step.diff if d not in QUEUE_ATTRIBUTES):
            self.warnings.append(
                f"{row.region}: pulumi up also changes the queue's {name} "
                f"({_show(live.get(name))} -> {_show(props.get(name))})"
            )
        row.statuses.append("in_sync" if kind == "in_sync" else "drifted")

    def _queue_field(self, step: _Step, props: _Props, desired: str, live: str, note: str) -> None:
        state = step.new_state if desired != DELETED else step.old_state
        row = self._region(props.region(state, queue=True))
        self.by_urn[step.urn] = row.region
        row.queue.append(FieldReport("queue", "drifted", desired, live, note))
        row.statuses.append("not_configured" if live == MISSING and not row.callback else "drifted")


def _seen(*props: _Props) -> bool:
    """Whether every auth key in ``props`` can be seen (so fingerprints tell them apart)."""
    return all(p.get("authKey").visible for p in props)


# -------------------------------------------------------------------------------- diagnostics


def _lines(message: str) -> list[str]:
    """A diagnostic as short lines: its prefix dropped, a traceback cut to its last line."""
    text = message.strip()
    for prefix in ("error: ", "warning: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        lines = [lines[0], lines[-1]] if len(lines) > 1 else lines
    cut = [line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 1] + "…" for line in lines]
    return cut[:_MAX_LINES]


def _diagnostics(raw: Any) -> list[Mapping[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise PreviewError("diagnostics is not a list")
    return [d for d in raw if isinstance(d, Mapping) and isinstance(d.get("message"), str)]


# ------------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class PreviewDrift:
    """The report and the secrets the preview showed in plain text (to redact)."""

    report: DriftReport
    secrets: tuple[str, ...] = ()


def _names(steps: Iterable[_Step]) -> tuple[str, str]:
    """(stack, project) from the first URN (``urn:pulumi:<stack>::<project>::...``)."""
    for step in steps:
        parts = step.urn.split("::")
        if len(parts) >= 4 and parts[0].startswith("urn:pulumi:"):
            return parts[0].removeprefix("urn:pulumi:"), parts[1]
    return "", ""


def _parse(text: str) -> tuple[Mapping[str, Any], list[_Step]]:
    if not text.strip():
        raise PreviewError(
            "the input is empty: `pulumi preview` printed nothing on stdout, so it failed "
            "before the preview started (its stderr says why: passphrase, stack name, login)"
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PreviewError(
            f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); pass only the "
            "stdout of `pulumi preview --refresh --json`"
        ) from None
    if not isinstance(document, dict) or not ("steps" in document or "diagnostics" in document):
        raise PreviewError(
            "not the output of `pulumi preview --json` (an object with steps and diagnostics)"
        )
    raw_steps = document.get("steps")
    raw_steps = [] if raw_steps is None else raw_steps
    if not isinstance(raw_steps, list):
        raise PreviewError("steps is not a list")
    return document, [_Step.of(raw, i) for i, raw in enumerate(raw_steps)]


def _merge(steps: list[_Step]) -> list[_Step]:
    """One step per resource: a change wins over its refresh, ``replace`` over its parts."""
    chosen: dict[str, _Step] = {}
    for step in steps:
        current = chosen.get(step.urn)
        if current is None or current.kind == "in_sync" or step.op == "replace":
            chosen[step.urn] = step
    return list(chosen.values())


def _other_line(others: Mapping[str, str]) -> str:
    ops: dict[str, int] = {}
    for op in others.values():
        ops[op] = ops.get(op, 0) + 1
    detail = ", ".join(f"{n} {op}" for op, n in sorted(ops.items()))
    verb = "resource" if len(others) == 1 else "resources"
    return (
        f"{len(others)} other {verb} would change ({detail}): not IMS callback settings or "
        "queues, so not part of this report; see the preview"
    )


def _stack(document: Mapping[str, Any], steps: list[_Step], name: str, file: str) -> StackReport:
    diagnostics = _diagnostics(document.get("diagnostics"))
    builder = _Builder()
    for step in _merge(steps):
        builder.add(step)
    failed = [d for d in diagnostics if d.get("severity") == "error"]
    region_errors: dict[str, list[str]] = {}
    stack_errors: list[list[str]] = []
    for diag in failed:
        lines = _lines(str(diag["message"]))
        urn = diag.get("urn")
        if isinstance(urn, str) and urn in builder.by_urn and lines:
            message = " ".join(lines).removeprefix("Preview failed: ")
            region_errors.setdefault(builder.by_urn[urn], []).append(message)
        elif lines:
            stack_errors.append(lines)
    for region, messages in region_errors.items():
        builder.regions[region].errors.extend(messages)
    rows = list(builder.regions.values())
    if failed:
        listed = [r for r in rows if r.errors or any(s != "in_sync" for s in r.statuses)]
        if len(listed) < len(builder.regions):
            builder.warnings.append(
                "the preview failed, so regions without a change or an error are not listed"
            )
        rows = listed
    warnings = [
        " ".join(_lines(str(d["message"])))
        for d in diagnostics
        if d.get("severity") == "warning" and _about_ims(d, builder.by_urn)
    ]
    warnings += builder.warnings
    if builder.others:
        warnings.append(_other_line(builder.others))
    error: str | None = None
    problems: list[str] = []
    if stack_errors:
        first, *rest = stack_errors
        error = first[0]
        problems = first[1:] + [line for lines in rest for line in lines]
    elif _stale(steps):
        error = NO_REFRESH
        warnings = [w for w in warnings if "last stored state" not in w]
    regions = tuple(sorted((r.report() for r in rows), key=lambda r: r.region))
    return StackReport(
        name,
        file,
        regions,
        error=error,
        problems=tuple(dict.fromkeys(problems)),
        warnings=tuple(dict.fromkeys(warnings)),
        file_label=PREVIEW_LABEL,
    )


def _about_ims(diag: Mapping[str, Any], by_urn: Mapping[str, object]) -> bool:
    """Whether a diagnostic came from an ims resource, the ``ims`` provider (``ims: ...``) or
    the component's configuration (``ims-callbacks:callbacks...``)."""
    if diag.get("urn") in by_urn:
        return True
    lines = _lines(str(diag["message"]))
    return bool(lines) and lines[0].startswith((f"{PACKAGE}:", f"{NAMESPACE}:"))


def _stale(steps: list[_Step]) -> bool:
    """Whether the stack had state but the preview read nothing live (no refresh steps)."""
    has_state = any(isinstance(s.old_state, Mapping) for s in steps)
    return has_state and not any(s.op == "refresh" for s in steps)


def preview_drift(text: str, *, stack: str | None, source: str, checked_at: str) -> PreviewDrift:
    """The drift report of the ``pulumi preview --json`` output ``text``.

    ``stack`` names the stack in the report (default: the stack in the URNs); ``source`` is
    where the text came from (a file name, or ``-`` for stdin). Output that cannot be read is
    reported as a stack that could not be checked, with why.
    """
    file = STDIN if source == "-" else source
    try:
        document, steps = _parse(text)
        found_stack, project = _names(steps)
        name = stack or found_stack or "(unknown stack)"
        report = _stack(document, steps, name, file)
        secrets = tuple(dict.fromkeys(_visible_secrets(document)))
    except PreviewError as exc:
        name = stack or "(unknown stack)"
        report = StackReport(
            name, file, error=f"cannot read the preview: {exc}", file_label=PREVIEW_LABEL
        )
        project, secrets = "", ()
    drift = DriftReport(project or "(unknown project)", checked_at, (report,))
    return PreviewDrift(drift, secrets)
