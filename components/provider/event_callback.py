"""``ims:index:EventCallback``: one region's IMS event-callback setting (its ID is the region).

``check`` and ``diff`` make no API call; ``create`` refuses a setting the stack does not own
(unless ``adopt``) and records it for ``onDelete: restore``; ``read`` serves refresh and import.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pulumi.provider.experimental import provider as p

from components.core.callback import CALLBACK_TYPES, CallbackSetting
from components.core.compare import FieldDiff, compare, compared_fields
from components.core.events import normalize_events
from components.core.regions import REGION_IDS
from components.core.rules import check_auth_key, check_callback_url, check_event, check_queue_name
from components.core.schema_fields import DEFAULT_ON_DELETE, EVENT_CALLBACK, ON_DELETE_ENUM
from components.core.schema_types import Field
from components.provider.cloud import Cloud
from components.provider.errors import ResourceError
from components.provider.properties import Plain, Unknown, has_unknowns, plain_map, wrap_map
from components.pulumi_layer.migration import without_dynamic_keys

TYPE = EVENT_CALLBACK.token
AUTH_KEY_LENGTH = 24
FIELDS = tuple(f for f in (*EVENT_CALLBACK.inputs, *EVENT_CALLBACK.outputs) if f.name != "previous")
"""The fields of :class:`CallbackInputs`: every property but the recorded ``previous``."""


@dataclass(frozen=True)
class CallbackInputs:
    """The checked inputs of one EventCallback."""

    region: str
    callback_type: str
    url: str = ""
    queue_name: str = ""
    events: tuple[str, ...] = ()
    auth_enabled: bool = False
    auth_key: str = ""
    auth_key_generated: bool = False
    adopt: bool = False
    on_delete: str = DEFAULT_ON_DELETE
    check_queue: bool = False

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> CallbackInputs:
        """From checked inputs or stored outputs (missing keys take their defaults)."""
        return cls(**{f.snake: _value(f, props.get(f.name)) for f in FIELDS})

    def to_properties(self) -> Plain:
        """The checked inputs as properties (``authKey`` is made secret when wrapped)."""
        return {f.name: getattr(self, f.snake) for f in FIELDS} | {"events": list(self.events)}

    def behaviour(self) -> dict[str, bool | str]:
        """The inputs that change only what the provider does later (a change of them
        updates the state alone)."""
        return {"adopt": self.adopt, "onDelete": self.on_delete, "checkQueue": self.check_queue}

    def setting(self) -> CallbackSetting:
        """The callback setting these inputs ask for."""
        http = self.callback_type == "HTTP"
        return CallbackSetting(
            "HTTP" if http else "MNS",
            url=self.url if http else "",
            queue_name="" if http else self.queue_name,
            events=self.events,
            auth_enabled=http and self.auth_enabled,
            auth_key=self.auth_key if http and self.auth_enabled else "",
        )

    def with_live(self, live: CallbackSetting) -> CallbackInputs:
        """These inputs with the fields that matter for their type taken from ``live``."""
        fields = set(compared_fields(self.setting())) | {"authKey"}
        values = live.to_state()
        return replace(
            self,
            callback_type=live.callback_type or "",
            url=values["url"] if "url" in fields else self.url,
            queue_name=values["queueName"] if "queueName" in fields else self.queue_name,
            events=live.events,
            auth_enabled=live.auth_enabled if "authEnabled" in fields else self.auth_enabled,
            auth_key=live.auth_key if self.callback_type == "HTTP" else self.auth_key,
        )


def _value(field: Field, value: Any) -> Any:
    """A property's value as :class:`CallbackInputs` holds it (``None`` -> its default)."""
    if field.container == "array":
        return normalize_events(value or ())
    if field.type == "boolean":
        return bool(value)
    return str(value or field.default or "")


def generate_auth_key(seed: bytes = b"", length: int = AUTH_KEY_LENGTH) -> str:
    """A key IMS accepts (letters and digits, with upper, lower and digit).

    Derived from the engine's random seed when there is one, so a repeated check of the same
    resource gives the same key; random otherwise.
    """
    alphabet = string.ascii_letters + string.digits
    counter = 0
    while True:
        if seed:
            block = hmac.new(seed, f"auth-key/{counter}".encode(), hashlib.sha512).digest()
            key = "".join(alphabet[b % len(alphabet)] for b in block[:length])
            counter += 1
        else:
            key = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.isupper() for c in key)
            and any(c.islower() for c in key)
            and any(c.isdigit() for c in key)
        ):
            return key


def _failure(prop: str, check: Callable[[str], object], value: object) -> list[p.CheckFailure]:
    """``check(value)`` as a list of at most one failure on ``prop``."""
    try:
        check(str(value or ""))
    except ValueError as err:
        reason = str(err)
        return [p.CheckFailure(prop, reason if prop.startswith("events") else f"{prop} {reason}")]
    return []


def _check_url(url: str) -> str:
    return check_callback_url(url, allow_insecure_http=True)


def _static_failures(news: Mapping[str, Any]) -> list[p.CheckFailure]:
    """Every input problem that needs no API call (unknown values are not judged)."""
    known = {k: v for k, v in news.items() if not isinstance(v, Unknown)}
    failures: list[p.CheckFailure] = []
    kind = known.get("callbackType", "HTTP")
    if "region" in known and known["region"] not in REGION_IDS:
        regions = ", ".join(sorted(REGION_IDS))
        failures.append(
            p.CheckFailure("region", f"unknown IMS region {known['region']!r}; one of {regions}")
        )
    if kind not in CALLBACK_TYPES:
        allowed = " or ".join(CALLBACK_TYPES)
        failures.append(p.CheckFailure("callbackType", f"must be {allowed}, got {kind!r}"))
    if kind == "HTTP" and "url" in known:
        failures += _failure("url", _check_url, known["url"])
    if kind == "MNS" and "queueName" in known:
        failures += _failure("queueName", check_queue_name, known["queueName"])
    for index, name in enumerate(known.get("events") or ()):
        if not isinstance(name, Unknown):
            failures += _failure(f"events[{index}]", check_event, name)
    if known.get("authKey"):
        failures += _failure("authKey", check_auth_key, known["authKey"])
    if known.get("onDelete", DEFAULT_ON_DELETE) not in ON_DELETE_ENUM.allowed:
        behaviours = ", ".join(ON_DELETE_ENUM.allowed)
        failures.append(p.CheckFailure("onDelete", f"must be one of {behaviours}"))
    return failures


def check(request: p.CheckRequest) -> p.CheckResponse:
    """Validate, fill defaults and settle the auth key; no API call."""
    news = without_dynamic_keys(plain_map(request.new_inputs))
    failures = _static_failures(news)
    if failures or has_unknowns(news):
        return p.CheckResponse(inputs=request.new_inputs, failures=failures)
    olds = plain_map(request.old_inputs)
    inputs = CallbackInputs.from_properties(news)
    http_auth = inputs.callback_type == "HTTP" and inputs.auth_enabled
    if not http_auth:
        inputs = replace(inputs, auth_key="", auth_key_generated=False)
    elif news.get("authKey"):
        inputs = replace(inputs, auth_key_generated=False)
    elif olds.get("authKeyGenerated"):  # generated earlier, or the imported region's own
        inputs = replace(inputs, auth_key=str(olds.get("authKey") or ""), auth_key_generated=True)
    else:
        inputs = replace(
            inputs, auth_key=generate_auth_key(request.random_seed), auth_key_generated=True
        )
    return p.CheckResponse(inputs=wrap_map(inputs.to_properties(), EVENT_CALLBACK.secrets))


def diff(request: p.DiffRequest) -> p.DiffResponse:
    """Per-field differences between the stored state and the inputs; no API call."""
    olds = plain_map(request.old_state)
    news = plain_map(request.new_inputs)
    if isinstance(news.get("region"), Unknown) or olds.get("region") != news.get("region"):
        kind = p.PropertyDiffKind.UPDATE_REPLACE
        return p.DiffResponse(
            changes=True,
            replaces=["region"],
            delete_before_replace=True,
            detailed_diff={"region": p.PropertyDiff(kind, input_diff=False)},
        )
    if has_unknowns(news):
        return p.DiffResponse(changes=None, stables=["region"])
    desired = CallbackInputs.from_properties(news)
    stored = CallbackInputs.from_properties(olds)
    changed = [d.field for d in compare(desired.setting(), stored.setting())]
    before = stored.behaviour()
    changed += [name for name, value in desired.behaviour().items() if before[name] != value]
    update = p.PropertyDiff(p.PropertyDiffKind.UPDATE, input_diff=False)
    return p.DiffResponse(
        changes=bool(changed),
        stables=["region"],
        diffs=changed,
        detailed_diff=dict.fromkeys(changed, update),
    )


def _vacant(live: CallbackSetting) -> bool:
    """Nothing to lose: no setting, or one that subscribes to no events (what reset leaves)."""
    return live.is_empty or not live.events


def refusal(region: str, live: CallbackSetting, drift: tuple[FieldDiff, ...]) -> str:
    """The one-line refusal for a region whose setting the stack does not own."""
    shown = ", ".join(
        f"{k}={v}" for k, v in live.redacted().items() if v not in ("", None, [], False)
    )
    return (
        f"{region} already has an IMS callback setting this stack does not own ({shown}; it "
        f"differs in {', '.join(d.field for d in drift)}). Refusing to overwrite it: take it "
        f"over with `adopt: true` for this region (it is put back on destroy), import it with "
        f"`pulumi import {TYPE} <name> {region}`, or change the stack to match it"
    )


def _outputs(inputs: CallbackInputs, previous: Any) -> dict[str, Any]:
    return wrap_map(inputs.to_properties() | {"previous": previous}, EVENT_CALLBACK.secrets)


def _recorded(live: CallbackSetting) -> Plain | None:
    """What ``restore`` puts back: the live setting, its events in the order IMS had them."""
    return None if live.is_empty else live.to_state() | {"events": list(live.wire_order)}


async def _require_queue(cloud: Cloud, inputs: CallbackInputs) -> None:
    if inputs.check_queue and inputs.callback_type == "MNS":
        mns = cloud.mns(inputs.region)
        if await cloud.run(mns.get_queue, inputs.queue_name) is None:
            raise ResourceError(
                f"MNS queue {inputs.queue_name!r} does not exist in {inputs.region}; create it "
                "first, or remove `queue.existing: true` so the stack creates it"
            )


async def create(cloud: Cloud, request: p.CreateRequest) -> p.CreateResponse:
    """Take the region's setting over and apply the desired one (in preview: only check)."""
    props = plain_map(request.properties)
    if has_unknowns(props):  # preview only: nothing to compare with the live setting yet
        return p.CreateResponse("", request.properties)
    inputs = CallbackInputs.from_properties(props)
    client = cloud.ice(inputs.region)
    live = await cloud.run(client.get_callback)
    desired = inputs.setting()
    drift = compare(desired, live)
    ours = inputs.auth_key_generated and [d.field for d in drift] == ["authKey"]
    if drift and not (_vacant(live) or inputs.adopt or ours):
        raise ResourceError(refusal(inputs.region, live, drift))
    await _require_queue(cloud, inputs)
    if drift and not request.preview:
        await cloud.run(client.set_callback, desired)
    return p.CreateResponse(inputs.region, _outputs(inputs, _recorded(live)))


async def update(cloud: Cloud, request: p.UpdateRequest) -> p.UpdateResponse:
    """Apply the desired setting where the live one differs; keep the recorded previous one."""
    news = plain_map(request.news)
    if has_unknowns(news):  # preview only: the outputs are not known yet
        return p.UpdateResponse(request.news)
    inputs = CallbackInputs.from_properties(news)
    olds = plain_map(request.olds)
    previous = olds.get("previous")
    if inputs.auth_enabled and not inputs.auth_key:  # imported: the region keeps its own key
        inputs = replace(inputs, auth_key=str(olds.get("authKey") or ""))
    if not request.preview:
        await _require_queue(cloud, inputs)
        client = cloud.ice(inputs.region)
        live = await cloud.run(client.get_callback)
        if compare(inputs.setting(), live):
            await cloud.run(client.set_callback, inputs.setting())
    return p.UpdateResponse(_outputs(inputs, previous))


async def read(cloud: Cloud, request: p.ReadRequest) -> p.ReadResponse:
    """The live setting as outputs and inputs (refresh), or as a new resource (import)."""
    region = request.resource_id
    if region not in REGION_IDS:
        raise ResourceError(
            f"cannot read {TYPE} {region!r}: the ID of a callback setting is its region, "
            f"one of {', '.join(sorted(REGION_IDS))}"
        )
    live = await cloud.run(cloud.ice(region).get_callback)
    stored = plain_map(request.properties)
    if stored:  # refresh: keep what the live setting does not tell
        base = CallbackInputs.from_properties(stored)
        previous = stored.get("previous")
    else:  # import: the live setting becomes the stack's, and is what destroy puts back
        kind = live.callback_type or ("MNS" if live.queue_name else "HTTP")
        base = CallbackInputs(region=region, callback_type=kind, auth_key_generated=True)
        previous = _recorded(live)
    inputs = base.with_live(live)
    properties = _outputs(inputs, previous)
    if inputs.auth_key_generated:
        # A generated key stays the desired one, so a console change of it shows as drift.
        # An imported region keeps its own key: the inputs (and the code `pulumi import`
        # writes) never hold it; it is in the outputs, secret.
        stored_key = "" if not stored else plain_map(request.inputs).get("authKey")
        inputs = replace(inputs, auth_key=str(stored_key or ""))
    return p.ReadResponse(
        region, properties, wrap_map(inputs.to_properties(), EVENT_CALLBACK.secrets)
    )


async def delete(cloud: Cloud, request: p.DeleteRequest) -> None:
    """Restore the setting recorded when the stack took over, reset it, or leave it."""
    props = plain_map(request.properties)
    behaviour = str(props.get("onDelete") or DEFAULT_ON_DELETE)
    if behaviour == "retain":
        return
    client = cloud.ice(request.resource_id)
    previous = props.get("previous")
    if behaviour == "restore" and isinstance(previous, Mapping) and previous:
        await cloud.run(client.set_callback, CallbackSetting.from_state(previous))
    else:
        await cloud.run(client.reset_callback)
