"""The stack-config loader: the ``ims-callbacks:`` keys (and ``ims:emulator``) into frozen
:class:`~components.core.models.StackSettings`, every problem reported at once with its path.

The models check single fields; this adds what spans fields or regions (the defaults merge,
delivery-specific fields, duplicate and unknown regions) and the bounds a hostile config hits
(``events`` lists, ``regions`` entries, nesting). Preview and the drift check both load here.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from components.core.errors import NAMESPACE, ConfigError, ConfigProblem, ConfigReport
from components.core.fields import describe
from components.core.fingerprint import redact, worth_redacting
from components.core.json_depth import too_deep, too_deep_in_json
from components.core.models import (
    DefaultsConfig,
    GrantSettings,
    RegionSettings,
    StackSettings,
)
from components.core.paths import Loc, format_path
from components.core.provider_settings import EMULATOR_KEY, emulator_setting, parse_emulator_url
from components.core.region_config import (
    canonical,
    load_region,
    region_id,
    too_many_events,
    validate,
)
from components.core.regions import REGION_IDS
from components.core.rules import MAX_DEPTH, MAX_REGIONS, suggest
from components.core.schema_fields import CALLBACKS
from components.core.schema_types import PACKAGE

CALLBACKS_KEY = f"{NAMESPACE}:callbacks"
_KEYS = ("callbacks",)
_MOVED = {
    "emulator": (
        "moved to ims:emulator, the ims provider's setting (this key would not reach the "
        "provider); fix: `pulumi config rm ims-callbacks:emulator` and "
        "`pulumi config set ims:emulator <url>`"
    )
}
_TOP_KEYS = tuple(sorted(f.name for f in CALLBACKS.fields))
_EXAMPLE = "{regions: {cn-shanghai: {delivery: mns, events: [FileUploadComplete]}}}"


def _cli_text(value: object) -> str:
    """A config value as the Pulumi CLI hands it to the program: a string (JSON text for
    anything that is not one already)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


_DEEP = (
    f"is nested more than {MAX_DEPTH} levels deep; no setting is more than 5 levels down "
    "(callbacks.regions.<region>.queue.tags.<key>): remove the extra nesting"
)


def _load_emulator(value: object, report: ConfigReport) -> str | None:
    """The normalised emulator address, or None when unset or invalid."""
    if value is None or value == "":
        return None
    try:
        return parse_emulator_url(_cli_text(value))
    except ValueError as exc:
        report.problems[ConfigProblem("emulator", str(exc), PACKAGE)] = None
    return None


def _parse_callbacks(value: object, stack: str, report: ConfigReport) -> Mapping[Any, Any] | None:
    """The ``callbacks`` mapping, parsing a JSON string if given one."""
    if value is None:
        report.problem(
            ("callbacks",),
            f"is not set; add it to Pulumi.{stack}.yaml, e.g. {CALLBACKS_KEY}: {_EXAMPLE}",
        )
        return None
    if isinstance(value, str):
        if (deep := too_deep_in_json(value, MAX_DEPTH)) is not None:
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
    elif (deep := too_deep(value, MAX_DEPTH)) is not None:
        report.problem(("callbacks", *deep), _DEEP)
        return None
    if not isinstance(value, Mapping):
        report.problem(("callbacks",), f"must be a mapping, e.g. {_EXAMPLE}{describe(value)}")
        return None
    return value


def _region_entries(value: object, report: ConfigReport) -> list[tuple[object, object]]:
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


def _check_secret_keys(raw: object, secret: bool, report: ConfigReport) -> None:
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
    raw: Mapping[Any, Any], names: tuple[str, str], report: ConfigReport
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
    grant = validate(
        GrantSettings, {} if grant_raw is None else grant_raw, ("callbacks", "grant"), report
    )
    defaults: Mapping[Any, Any] = {}
    defaults_raw = raw.get("defaults")
    if isinstance(defaults_raw, Mapping):
        defaults = canonical(defaults_raw, ("callbacks", "defaults"), report)
        if too_many_events(defaults, ("callbacks", "defaults"), report):
            defaults = {k: v for k, v in defaults.items() if k != "events"}
        validate(DefaultsConfig, defaults, ("callbacks", "defaults"), report)
    elif defaults_raw is not None:
        report.problem(("callbacks", "defaults"), "must be a mapping of region settings")
    regions: list[RegionSettings] = []
    seen: dict[str, str] = {}
    for key, value in _region_entries(raw.get("regions"), report):
        loc: Loc = ("callbacks", "regions", key if isinstance(key, str) else str(key))
        region = region_id(key, loc, seen, report)
        if region is None:
            continue
        if not isinstance(value, Mapping):
            example = "{delivery: mns, events: [FileUploadComplete]}"
            report.problem(loc, f"must be a mapping of settings, e.g. {example}{describe(value)}")
            continue
        if settings := load_region(
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

    Limitations of the CLI: it marks the whole ``callbacks`` key secret when any value in it
    is ``secure:``, so a plain-text key next to another ``secure:`` value is not caught; and a
    config of over 128 KiB never reaches the program (one environment variable, capped by
    Linux): preview fails with ``argument list too long``, the drift check names the path.
    """
    report = ConfigReport()
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
    secrets = worth_redacting(s for _, s in _auth_keys(raw))

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
    own[EMULATOR_KEY] = emulator_setting(own.get(EMULATOR_KEY), environ)
    return load_settings(
        {k: v for k, v in own.items() if v not in (None, "")},
        project=project,
        stack=stack,
        secret_keys=secret_keys,
    )
