"""Loading the ``ims-callbacks`` stack configuration into frozen settings.

Input shape (YAML, camelCase) is in docs/architecture.md. The pydantic models (in
:mod:`components.core.models`, re-exported here) check single fields; :func:`load_settings`
adds what spans fields or regions (defaults merge, delivery-specific fields, duplicate
and unknown regions), reports every problem at once with its config path, and returns
frozen settings.

Decisions: defaults merge deeply (mappings merge key by key, lists such as ``events`` are
replaced); delivery-specific defaults (``url``, ``allowInsecureHttp``, ``auth`` for http,
``queue`` for mns) apply only to regions of that delivery; region ids are matched
case-insensitively.

Preview (``__main__`` through :func:`program_settings`) and the drift check use this one
loader with the same input: values as the CLI hands them over (top-level values are strings;
objects arrive as JSON text or parsed, which load the same) and the keys the CLI marks
secret. Before any call: every ``ims-callbacks:`` key must be known; ``events`` lists,
``regions`` entries and nesting are bounded (rules.MAX_EVENTS, MAX_REGIONS, MAX_DEPTH), each
reported at its config path. An auth key is accepted only inside a secret ``callbacks``
value. Limitation: the CLI marks the whole ``callbacks`` key secret when any value in it is
``secure:``, so a plain-text key next to another ``secure:`` value is not caught. A config of
over 128 KiB never reaches the program (the CLI passes it in one environment variable, which
Linux caps): preview fails with ``argument list too long``; the drift check reports the path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from components.core.compare import queue_attributes
from components.core.errors import NAMESPACE, ConfigError, ConfigProblem
from components.core.events import EVENTS_BY_NAME, normalize_events
from components.core.fields import EncryptedKey, describe
from components.core.fingerprint import redact
from components.core.models import (
    NESTED_MODELS,
    AuthConfig,
    DefaultsConfig,
    GrantSettings,
    QueueConfig,
    QueueSettings,
    RegionConfig,
    RegionFields,
    RegionSettings,
    StackSettings,
)
from components.core.paths import Loc, format_path
from components.core.regions import REGION_IDS, get_region, ice_host
from components.core.rules import (
    MAX_DEPTH,
    MAX_EVENTS,
    MAX_REGIONS,
    default_queue_name,
    parse_emulator_url,
    suggest,
)
from components.core.schema_fields import CALLBACKS, Delivery, OnDelete
from components.core.validation import canonical_keys, deep_merge, validation_problems

__all__ = [
    "AuthConfig",
    "ConfigError",
    "DefaultsConfig",
    "Delivery",
    "GrantSettings",
    "OnDelete",
    "QueueConfig",
    "QueueSettings",
    "RegionConfig",
    "RegionSettings",
    "StackSettings",
    "load_settings",
    "program_settings",
    "retry_attempts",
]

CALLBACKS_KEY = f"{NAMESPACE}:callbacks"
PROVIDER_NAMESPACE = "ims"
EMULATOR_KEY = f"{PROVIDER_NAMESPACE}:emulator"
"""The emulator is the ``ims`` provider's setting; the drift check and the program read it too."""
EMULATOR_ENV = "IMS_CALLBACKS_EMULATOR"  # overrides EMULATOR_KEY (tests, benchmarks, demo)
RETRY_ATTEMPTS_KEY = f"{PROVIDER_NAMESPACE}:retryAttempts"
"""Attempts per API call; the provider and the drift check both follow it (default 10)."""
MAX_RETRY_ATTEMPTS = 20
_KEYS = ("callbacks",)
_MOVED = {
    "emulator": (
        "moved to ims:emulator, the ims provider's setting (this key would not reach the "
        "provider); fix: `pulumi config rm ims-callbacks:emulator` and "
        "`pulumi config set ims:emulator <url>`"
    )
}
_TOP_KEYS = tuple(sorted(f.name for f in CALLBACKS.fields))
_ONLY_FOR: dict[Delivery, tuple[str, ...]] = {
    "http": ("url", "allowInsecureHttp", "auth"),
    "mns": ("queue",),
}
_EXAMPLE = "{regions: {cn-shanghai: {delivery: mns, events: [FileUploadComplete]}}}"
_MIN_REDACTED = 4  # shorter "keys" are not secrets worth garbling every message for
_M = TypeVar("_M", bound=BaseModel)


@dataclass
class _Report:
    """Problems and warnings collected while loading, de-duplicated in order."""

    problems: dict[ConfigProblem, None] = field(default_factory=dict)  # an ordered set
    warnings: dict[ConfigProblem, None] = field(default_factory=dict)

    def problem(self, loc: Loc, message: str) -> None:
        self.problems[ConfigProblem(format_path(loc), message)] = None

    def warn(self, loc: Loc, message: str) -> None:
        self.warnings[ConfigProblem(format_path(loc), message)] = None


def _cli_text(value: object) -> str:
    """A config value as the Pulumi CLI hands it to the program: a string (JSON text for
    anything that is not one already)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


_DEEP = (
    f"is nested more than {MAX_DEPTH} levels deep; no setting is more than 5 levels down "
    "(callbacks.regions.<region>.queue.tags.<key>): remove the extra nesting"
)


def _too_deep_in_json(text: str) -> Loc | None:
    """Where the first container nested deeper than MAX_DEPTH starts in JSON ``text``.

    A linear scan without recursion (``json.loads`` would hit the recursion limit first),
    finding the place :func:`_too_deep` finds in the parsed value; malformed text is left
    for ``json.loads`` to report.
    """
    frames: list[list[str | int]] = []  # per open container: its kind, then current key/index
    expect_key = False
    i = 0
    while i < len(text):
        char = text[i]
        i += 1
        if char == '"':
            try:
                string, i = json.decoder.scanstring(text, i)  # type: ignore[attr-defined]
            except ValueError:
                return None
            if expect_key and frames:
                frames[-1][1], expect_key = string, False
        elif char in "{[":
            if len(frames) > MAX_DEPTH:
                return tuple(frame[1] for frame in frames)
            frames.append([char, 0 if char == "[" else ""])
            expect_key = char == "{"
        elif char in "}]" and frames:
            frames.pop()
            expect_key = False
        elif char == "," and frames:
            expect_key = frames[-1][0] == "{"
            if not expect_key:
                frames[-1][1] = int(frames[-1][1]) + 1
    return None


def _too_deep(value: object) -> Loc | None:
    """Where the first container nested deeper than MAX_DEPTH is in ``value`` (depth first,
    in document order, without recursion), or None."""
    pending: list[tuple[Loc, object]] = [((), value)]
    while pending:
        loc, node = pending.pop()
        children: list[tuple[str | int, object]]
        if isinstance(node, Mapping):
            children = [(k if isinstance(k, str) else str(k), v) for k, v in node.items()]
        elif isinstance(node, list | tuple):
            children = list(enumerate(node))
        else:
            continue
        if len(loc) > MAX_DEPTH:
            return loc
        pending.extend(((*loc, key), child) for key, child in reversed(children))
    return None


def _too_many_events(data: Mapping[Any, Any], loc: Loc, report: _Report) -> bool:
    """Report an ``events`` list longer than MAX_EVENTS (before its entries are checked)."""
    events = data.get("events")
    if isinstance(events, list | tuple) and len(events) > MAX_EVENTS:
        report.problem(
            (*loc, "events"),
            f"lists {len(events)} events; at most {MAX_EVENTS} (each event type once)",
        )
        return True
    return False


def _origin(loc: Loc, region_loc: Loc, from_defaults: frozenset[Loc]) -> Loc:
    """The config location of ``loc`` in a merged region: defaults if it came from there."""
    if any(loc[:i] in from_defaults for i in range(1, len(loc) + 1)):
        return ("callbacks", "defaults", *loc)
    return (*region_loc, *loc)


def _allowed_keys(root: type[BaseModel], parent: Loc) -> list[str]:
    """The setting names valid under ``parent`` (a location inside ``root``)."""
    model = NESTED_MODELS.get(str(parent[-1]), root) if parent else root
    return [info.alias or name for name, info in model.model_fields.items()]


def _validate(
    model: type[_M],
    data: object,
    loc: Loc,
    report: _Report,
    from_defaults: frozenset[Loc] = frozenset(),
) -> _M | None:
    """Validate ``data``; on failure report every error at its config path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err_loc, message in validation_problems(exc, lambda p: _allowed_keys(model, p)):
            report.problem(_origin(err_loc, loc, from_defaults), message)
    return None


def _canonical(data: Mapping[Any, Any], loc: Loc, report: _Report) -> dict[Any, Any]:
    """Region fields with camelCase names; snake/camel twins reported."""
    twins: list[Loc] = []
    out = canonical_keys(data, RegionFields, NESTED_MODELS, twins)
    for twin in twins:
        report.problem((*loc, *twin), "is given in both camelCase and snake_case; keep one")
    return out


def _load_emulator(value: object, report: _Report) -> str | None:
    """The normalised emulator address, or None when unset or invalid."""
    if value is None or value == "":
        return None
    try:
        return parse_emulator_url(_cli_text(value))
    except ValueError as exc:
        report.problems[ConfigProblem("emulator", str(exc), PROVIDER_NAMESPACE)] = None
    return None


def _parse_callbacks(value: object, stack: str, report: _Report) -> Mapping[Any, Any] | None:
    """The ``callbacks`` mapping, parsing a JSON string if given one."""
    if value is None:
        report.problem(
            ("callbacks",),
            f"is not set; add it to Pulumi.{stack}.yaml, e.g. {CALLBACKS_KEY}: {_EXAMPLE}",
        )
        return None
    if isinstance(value, str):
        if (deep := _too_deep_in_json(value)) is not None:
            report.problem(("callbacks", *deep), _DEEP)
            return None
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            where = (
                f" ({exc.msg} at line {exc.lineno})"
                if isinstance(exc, json.JSONDecodeError)
                else ""
            )
            report.problem(("callbacks",), f"is not valid JSON{where}; write it as a YAML mapping")
            return None
    elif (deep := _too_deep(value)) is not None:
        report.problem(("callbacks", *deep), _DEEP)
        return None
    if not isinstance(value, Mapping):
        report.problem(("callbacks",), f"must be a mapping, e.g. {_EXAMPLE}{describe(value)}")
        return None
    return value


def _region_entries(value: object, report: _Report) -> list[tuple[object, object]]:
    """``regions`` as (key, value) pairs: a mapping, or a list of pairs (keeps duplicates)."""
    loc: Loc = ("callbacks", "regions")
    if isinstance(value, Mapping):
        entries = list(value.items())
    elif isinstance(value, list | tuple) and all(
        isinstance(item, list | tuple) and len(item) == 2 for item in value
    ):
        entries = [(item[0], item[1]) for item in value]
    elif value is None:
        entries = []
    else:
        report.problem(loc, f"must be a mapping of region id to settings{describe(value)}")
        return []
    if not entries:
        report.problem(loc, f"must configure at least one region, e.g. {CALLBACKS_KEY}: {_EXAMPLE}")
    if len(entries) > MAX_REGIONS:
        report.problem(
            loc,
            f"has {len(entries)} entries; IMS has {MAX_REGIONS} regions "
            f"({', '.join(sorted(REGION_IDS))}): configure each at most once",
        )
        return []
    return entries


def _region_id(key: object, loc: Loc, seen: dict[str, str], report: _Report) -> str | None:
    """The lower-case region id for a ``regions`` key, or None after reporting why not."""
    if not isinstance(key, str):
        report.problem(loc, "region ids must be strings, e.g. cn-shanghai")
        return None
    region = key.strip().lower()
    if region not in REGION_IDS:
        valid = ", ".join(sorted(REGION_IDS))
        report.problem(loc, f"is not an IMS region{suggest(region, REGION_IDS)} (valid: {valid})")
        return None
    if region in seen:
        first = format_path(("callbacks", "regions", seen[region]))
        report.problem(loc, f"duplicates {first} (region ids ignore case); keep one entry")
        return None
    seen[region] = key
    info = get_region(region)
    if not info.endpoint_confirmed:
        report.warn(
            loc,
            f"{info.name} is an IMS service region but its endpoint {ice_host(region)} is not "
            "in the documented endpoint table; verify it works before relying on it",
        )
    return region


def _delivery_of(own: Mapping[Any, Any], defaults: Mapping[Any, Any]) -> Delivery | None:
    """The region's delivery (its own, else the default), or None if not recognisable."""
    value = own.get("delivery", defaults.get("delivery"))
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return "http" if text == "http" else "mns" if text == "mns" else None


def _check_delivery_fields(
    merged: dict[Any, Any], delivery: Delivery | None, loc: Loc, report: _Report
) -> bool:
    """Report (and drop) fields meant for the other delivery; require url for http."""
    if delivery is None:
        return True
    ok = True
    other: Delivery = "mns" if delivery == "http" else "http"
    for key in _ONLY_FOR[other]:
        if key in merged:
            report.problem((*loc, key), f"is only for delivery: {other}; remove it here")
            del merged[key]
            ok = False
    if delivery == "http" and merged.get("url") is None:
        report.problem(
            (*loc, "url"), "is required for delivery: http; set the https:// URL IMS should call"
        )
        ok = False
    return ok


def _load_region(
    region: str,
    *,
    value: Mapping[Any, Any],
    defaults: Mapping[Any, Any],
    loc: Loc,
    names: tuple[str, str],
    report: _Report,
) -> RegionSettings | None:
    """Merge defaults into one region, validate it and resolve its settings."""
    own = _canonical(value, loc, report)
    if _too_many_events(own, loc, report):
        return None
    delivery = _delivery_of(own, defaults)
    skip = () if delivery is None else _ONLY_FOR["mns" if delivery == "http" else "http"]
    merged, merged_from = deep_merge({k: v for k, v in defaults.items() if k not in skip}, own)
    from_defaults = frozenset(merged_from)
    ok = _check_delivery_fields(merged, delivery, loc, report)
    config = _validate(RegionConfig, merged, loc, report, from_defaults)
    if config is None or not ok:
        return None
    return _resolve(region, config, lambda *sub: _origin(sub, loc, from_defaults), names, report)


def _resolve(
    region: str,
    config: RegionConfig,
    at: Callable[..., Loc],
    names: tuple[str, str],
    report: _Report,
) -> RegionSettings | None:
    """Turn a valid RegionConfig into RegionSettings; warn about risky choices."""
    events = normalize_events(config.events)
    for event in events:
        if deprecation := EVENTS_BY_NAME[event].deprecated:
            report.warn(at("events"), f"{event} is deprecated: {deprecation}")
    queue = _resolve_queue(region, config, at, names, report) if config.delivery == "mns" else None
    if config.delivery == "mns" and queue is None:
        return None
    auth = config.auth or AuthConfig()
    enabled = config.delivery == "http" and auth.enabled is not False
    if auth.key is not None and not enabled:
        report.warn(at("auth", "key"), "is ignored because auth.enabled is false")
    if config.url and config.url.startswith("http://"):
        report.warn(at("url"), "callbacks travel unencrypted over http://; prefer https://")
    key = auth.key if enabled else None
    return RegionSettings(
        region=region,
        delivery=config.delivery,
        url=config.url if config.delivery == "http" else None,
        queue=queue,
        events=events,
        auth_enabled=enabled,
        auth_key=key if isinstance(key, SecretStr) else None,
        auth_key_encrypted=isinstance(key, EncryptedKey),
        adopt=config.adopt,
        on_delete=config.on_delete,
    )


def _resolve_queue(
    region: str,
    config: RegionConfig,
    at: Callable[..., Loc],
    names: tuple[str, str],
    report: _Report,
) -> QueueSettings | None:
    """The queue of an mns region, with its default name filled in."""
    queue = config.queue or QueueConfig()
    if queue.existing and queue.name is None:
        report.problem(at("queue", "name"), "is required when queue.existing is true")
        return None
    if queue.delay_seconds:
        report.warn(
            at("queue", "delaySeconds"),
            f"delays every callback by {queue.delay_seconds} seconds; 0 is recommended",
        )
    return QueueSettings(
        name=queue.name or default_queue_name(*names, region),
        existing=queue.existing,
        tags=tuple(queue.tags.items()),
        **queue_attributes(queue),
    )


def _auth_keys(raw: object) -> Iterator[tuple[Loc, str]]:
    """``(path, key)`` of the strings at ``defaults.auth.key`` and ``regions.<region>.auth.key``
    of the raw ``callbacks`` value: the only places a key can be (a hostile tree is never
    walked)."""
    if not isinstance(raw, Mapping):
        return
    regions = raw.get("regions")
    places: list[tuple[Loc, object]] = [(("callbacks", "defaults"), raw.get("defaults"))]
    if isinstance(regions, Mapping):
        places += [(("callbacks", "regions", str(k)), v) for k, v in regions.items()]
    for loc, place in places:
        auth = place.get("auth") if isinstance(place, Mapping) else None
        if isinstance(auth, Mapping) and isinstance(auth.get("key"), str):
            yield (*loc, "auth", "key"), auth["key"]


def _check_secret_keys(raw: object, secret: bool, report: _Report) -> None:
    """Report every auth key of a ``callbacks`` value that is not a Pulumi secret."""
    if secret:
        return
    for loc, _ in _auth_keys(raw):
        report.problem(
            loc,
            "is in plain text in the stack config; make it a secret: pulumi config set "
            f"--secret --path '{NAMESPACE}:{format_path(loc)}' <key>",
        )


def _load_callbacks(
    raw: Mapping[Any, Any], names: tuple[str, str], report: _Report
) -> tuple[GrantSettings, list[RegionSettings]]:
    """Validate the ``callbacks`` mapping: top-level keys, grant, defaults, regions."""
    for key in raw:
        if key not in _TOP_KEYS:
            name = str(key)
            report.problem(
                ("callbacks", name),
                f"is not a known setting{suggest(name, _TOP_KEYS)} (valid: {', '.join(_TOP_KEYS)})",
            )
    grant_raw = raw.get("grant")
    grant = _validate(
        GrantSettings, {} if grant_raw is None else grant_raw, ("callbacks", "grant"), report
    )
    defaults: Mapping[Any, Any] = {}
    defaults_raw = raw.get("defaults")
    if isinstance(defaults_raw, Mapping):
        defaults = _canonical(defaults_raw, ("callbacks", "defaults"), report)
        if _too_many_events(defaults, ("callbacks", "defaults"), report):
            defaults = {k: v for k, v in defaults.items() if k != "events"}
        _validate(DefaultsConfig, defaults, ("callbacks", "defaults"), report)
    elif defaults_raw is not None:
        report.problem(("callbacks", "defaults"), "must be a mapping of region settings")
    regions: list[RegionSettings] = []
    seen: dict[str, str] = {}
    for key, value in _region_entries(raw.get("regions"), report):
        loc: Loc = ("callbacks", "regions", key if isinstance(key, str) else str(key))
        region = _region_id(key, loc, seen, report)
        if region is None:
            continue
        if not isinstance(value, Mapping):
            example = "{delivery: mns, events: [FileUploadComplete]}"
            report.problem(loc, f"must be a mapping of settings, e.g. {example}{describe(value)}")
            continue
        if settings := _load_region(
            region, value=value, defaults=defaults, loc=loc, names=names, report=report
        ):
            regions.append(settings)
    return grant or GrantSettings(), regions


def load_settings(
    config: Mapping[str, Any],
    *,
    project: str,
    stack: str,
    secret_keys: Collection[str] | None = None,
) -> tuple[StackSettings, tuple[str, ...]]:
    """Validate the stack config; return the settings and warning lines.

    ``config`` maps full keys (``ims-callbacks:callbacks``, ``ims:emulator``) to
    parsed values or the strings the Pulumi CLI hands the program; other namespaces are
    ignored, and an unknown ``ims-callbacks:`` key is a problem. ``secret_keys`` are the full
    keys the CLI marks secret (a key is secret as a whole if any value in it is ``secure:``);
    an auth key in a ``callbacks`` value that is not secret is a problem. None: not known
    (tests and tools), not checked. Raises ConfigError with every problem found; no message
    contains an auth key.
    """
    report = _Report()
    for key in config:
        if isinstance(key, str) and key.startswith(f"{NAMESPACE}:"):
            name = key.partition(":")[2]
            if name in _MOVED:
                report.problem((name,), _MOVED[name])
            elif name not in _KEYS:
                hint = suggest(name, (*_KEYS, EMULATOR_KEY))
                valid = ", ".join(_KEYS)
                report.problem((name,), f"is not a known setting{hint} (valid: {valid})")
    emulator = _load_emulator(config.get(EMULATOR_KEY), report)
    raw = _parse_callbacks(config.get(CALLBACKS_KEY), stack, report)
    grant, regions = (
        _load_callbacks(raw, (project, stack), report) if raw is not None else (GrantSettings(), [])
    )
    if secret_keys is not None:
        _check_secret_keys(raw, CALLBACKS_KEY in secret_keys, report)
    secrets = [s for _, s in _auth_keys(raw) if len(s) >= _MIN_REDACTED]

    def clean(item: ConfigProblem) -> ConfigProblem:
        return ConfigProblem(
            redact(item.path, secrets), redact(item.message, secrets), item.namespace
        )

    if report.problems:
        raise ConfigError(clean(p) for p in report.problems)
    settings = StackSettings(tuple(sorted(regions, key=lambda r: r.region)), grant, emulator)
    return settings, tuple(str(clean(w)) for w in report.warnings)


def program_settings(
    config: Mapping[str, Any],
    secret_keys: Collection[str],
    environ: Mapping[str, str],
    *,
    project: str,
    stack: str,
) -> tuple[StackSettings, tuple[str, ...]]:
    """:func:`load_settings` as the Pulumi program calls it: ``config`` is the whole stack
    config as the CLI hands it over, ``$IMS_CALLBACKS_EMULATOR`` overrides the emulator key."""
    own = {k: v for k, v in config.items() if k.startswith(f"{NAMESPACE}:") or k == EMULATOR_KEY}
    if environ.get(EMULATOR_ENV):
        own[EMULATOR_KEY] = environ[EMULATOR_ENV]
    return load_settings(
        {k: v for k, v in own.items() if v not in (None, "")},
        project=project,
        stack=stack,
        secret_keys=secret_keys,
    )


def retry_attempts(value: object) -> int | None:
    """``ims:retryAttempts`` as a number (None when unset); ValueError naming the fix if bad.

    The CLI hands the provider a string, a stack file holds a number or a string.
    """
    if value is None or value == "":
        return None
    text = str(value)
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_RETRY_ATTEMPTS:
        raise ValueError(
            f"{RETRY_ATTEMPTS_KEY} must be a whole number from 1 to {MAX_RETRY_ATTEMPTS}, got "
            f"{text!r}; fix it with `pulumi config set {RETRY_ATTEMPTS_KEY} 10`"
        )
    return int(text)
