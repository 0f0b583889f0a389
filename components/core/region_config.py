"""One region of the stack config: its id, the defaults merged in, the fields of its delivery,
validated (with the checks the defaults share) and resolved into frozen RegionSettings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from components.core.compare import queue_attributes
from components.core.errors import ConfigReport
from components.core.events import EVENTS_BY_NAME, normalize_events
from components.core.fields import EncryptedKey
from components.core.models import (
    NESTED_MODELS,
    AuthConfig,
    QueueConfig,
    QueueSettings,
    RegionConfig,
    RegionFields,
    RegionSettings,
)
from components.core.paths import Loc, format_path
from components.core.regions import REGION_IDS, get_region, ice_host
from components.core.rules import MAX_EVENTS, default_queue_name, suggest
from components.core.schema_fields import Delivery
from components.core.validation import canonical_keys, deep_merge, validation_problems

_ONLY_FOR: dict[Delivery, tuple[str, ...]] = {
    "http": ("url", "allowInsecureHttp", "auth"),
    "mns": ("queue",),
}
"""The region fields that belong to one delivery only."""
_M = TypeVar("_M", bound=BaseModel)


def too_many_events(data: Mapping[Any, Any], loc: Loc, report: ConfigReport) -> bool:
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


def validate(
    model: type[_M],
    data: object,
    loc: Loc,
    report: ConfigReport,
    from_defaults: frozenset[Loc] = frozenset(),
) -> _M | None:
    """Validate ``data``; on failure report every error at its config path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err_loc, message in validation_problems(exc, lambda p: _allowed_keys(model, p)):
            report.problem(_origin(err_loc, loc, from_defaults), message)
    return None


def canonical(data: Mapping[Any, Any], loc: Loc, report: ConfigReport) -> dict[Any, Any]:
    """Region fields with camelCase names; snake/camel twins reported."""
    twins: list[Loc] = []
    out = canonical_keys(data, RegionFields, NESTED_MODELS, twins)
    for twin in twins:
        report.problem((*loc, *twin), "is given in both camelCase and snake_case; keep one")
    return out


def region_id(key: object, loc: Loc, seen: dict[str, str], report: ConfigReport) -> str | None:
    """The lower-case region id for a ``regions`` key (ids match case-insensitively), or None
    after reporting why not."""
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
    text = value.strip().lower() if isinstance(value, str) else None
    return next((delivery for delivery in _ONLY_FOR if delivery == text), None)


def _other(delivery: Delivery) -> Delivery:
    """The delivery that is not ``delivery``."""
    return next(other for other in _ONLY_FOR if other != delivery)


def _check_delivery_fields(
    merged: dict[Any, Any], delivery: Delivery | None, loc: Loc, report: ConfigReport
) -> bool:
    """Report (and drop) fields meant for the other delivery; require url for http."""
    if delivery is None:
        return True
    ok = True
    other = _other(delivery)
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


def load_region(
    region: str,
    *,
    value: Mapping[Any, Any],
    defaults: Mapping[Any, Any],
    loc: Loc,
    names: tuple[str, str],
    report: ConfigReport,
) -> RegionSettings | None:
    """Merge defaults into one region, validate it and resolve its settings.

    Defaults merge deeply (mappings key by key; lists such as ``events`` are replaced), and
    the delivery-specific ones (``url``, ``allowInsecureHttp``, ``auth`` for http, ``queue``
    for mns) apply only to regions of that delivery.
    """
    own = canonical(value, loc, report)
    if too_many_events(own, loc, report):
        return None
    delivery = _delivery_of(own, defaults)
    skip = () if delivery is None else _ONLY_FOR[_other(delivery)]
    merged, merged_from = deep_merge({k: v for k, v in defaults.items() if k not in skip}, own)
    from_defaults = frozenset(merged_from)
    ok = _check_delivery_fields(merged, delivery, loc, report)
    config = validate(RegionConfig, merged, loc, report, from_defaults)
    if config is None or not ok:
        return None
    return _resolve(region, config, lambda *sub: _origin(sub, loc, from_defaults), names, report)


def _resolve(
    region: str,
    config: RegionConfig,
    at: Callable[..., Loc],
    names: tuple[str, str],
    report: ConfigReport,
) -> RegionSettings | None:
    """Turn a valid RegionConfig into RegionSettings; warn about risky choices."""
    events = normalize_events(config.events)
    for event in events:
        if deprecation := EVENTS_BY_NAME[event].deprecated:
            report.warn(at("events"), f"{event} is deprecated: {deprecation}")
    queue = None
    if config.delivery == "mns":
        queue = _resolve_queue(config.queue, default_queue_name(*names, region), at, report)
        if queue is None:
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
    config: QueueConfig | None, default_name: str, at: Callable[..., Loc], report: ConfigReport
) -> QueueSettings | None:
    """The queue of an mns region, named ``default_name`` unless the config names it."""
    queue = config or QueueConfig()
    if queue.existing and queue.name is None:
        report.problem(at("queue", "name"), "is required when queue.existing is true")
        return None
    if queue.delay_seconds:
        report.warn(
            at("queue", "delaySeconds"),
            f"delays every callback by {queue.delay_seconds} seconds; 0 is recommended",
        )
    return QueueSettings(
        name=queue.name or default_name,
        existing=queue.existing,
        tags=tuple(queue.tags.items()),
        **queue_attributes(queue),
    )
