"""Dynamic provider for one region's IMS event-callback setting.

The setting is a singleton per account and region (``SetEventCallback``/``GetEventCallback``).
``diff`` compares the desired setting with the LIVE one, so a plain ``pulumi preview`` shows
changes made in the console; ``create`` refuses to overwrite a setting the stack does not own
unless ``adopt`` is set; ``delete`` restores, resets or retains, as configured.

The provider object is pickled into the state by Pulumi: it holds no clients, credentials or
locks (see :mod:`components.pulumi_layer.runtime`).
"""

from __future__ import annotations

# The SDK is imported inside the methods that run in the provider process (see runtime.py).
# ruff: noqa: PLC0415
import json
import secrets
import string
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pulumi
import pulumi.dynamic as dyn

from components.core.callback import CallbackSetting
from components.core.compare import FieldDiff, compare, compared_fields
from components.core.regions import REGION_IDS
from components.core.settings import CALLBACKS_KEY
from components.pulumi_layer.runtime import ProviderRuntime, RuntimeProvider

DELETE_BEHAVIOURS = ("restore", "reset", "retain")
# Input properties that only change what the stack does later (no API call needed).
BEHAVIOUR_KEYS = ("adopt", "onDelete", "checkQueue")
SETTING_KEYS = ("callbackType", "url", "queueName", "events", "authEnabled", "authKey")
AUTH_KEY_LENGTH = 24


def generate_auth_key(length: int = AUTH_KEY_LENGTH) -> str:
    """Return a random key meeting IMS's rule: letters and digits, with upper, lower and digit."""
    alphabet = string.ascii_letters + string.digits
    while True:
        key = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.isupper() for c in key)
            and any(c.islower() for c in key)
            and any(c.isdigit() for c in key)
        ):
            return key


def _setting(props: dict[str, Any]) -> CallbackSetting:
    """Build the callback setting described by input or output properties."""
    return CallbackSetting.from_state({k: props.get(k) for k in SETTING_KEYS})


def _normalise(key: str, value: Any) -> Any:
    """Make equal values compare equal (event order, missing vs empty)."""
    if key == "events":
        return sorted(set(value or ()))
    if isinstance(value, str) or value is None:
        return value or ""
    return value


class _LiveReads:
    """``GetEventCallback`` for every configured region at once; each result used once.

    The engine calls ``check`` for one resource at a time, so reading each region inside its
    own ``check`` would cost one round trip per region. The first check (or refresh read) of a
    round starts one read per configured region in parallel; a region whose result was
    already taken, or a round older than ``MAX_AGE`` seconds, starts the next round. A region
    that is not in the configuration is read on its own.
    """

    MAX_AGE = 30.0

    def __init__(self) -> None:
        self.regions: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self._round: dict[str, Future[CallbackSetting]] = {}
        self._started = 0.0

    def configure(self, raw_callbacks: object) -> None:
        """Take the configured regions from the raw ``ims-callbacks:callbacks`` value."""
        try:
            parsed = json.loads(raw_callbacks) if isinstance(raw_callbacks, str) else {}
            names = {str(r).lower() for r in (parsed.get("regions") or {})}
        except (ValueError, AttributeError):
            names = set()
        self.regions = frozenset(names & REGION_IDS)

    def get(self, runtime: ProviderRuntime, region: str) -> CallbackSetting:
        """The live setting of ``region``, from the current round of parallel reads."""
        if region not in self.regions:
            return runtime.ice(region).get_callback()
        with self._lock:
            if region not in self._round or time.monotonic() - self._started > self.MAX_AGE:
                pool = ThreadPoolExecutor(max_workers=len(self.regions))
                self._round = {r: pool.submit(_read_live, runtime, r) for r in self.regions}
                self._started = time.monotonic()
                pool.shutdown(wait=False)
            future = self._round.pop(region)
        return future.result()


def _read_live(runtime: ProviderRuntime, region: str) -> CallbackSetting:
    return runtime.ice(region).get_callback()


_LIVE = _LiveReads()  # per provider process; never pickled (module state)


class EventCallbackProvider(RuntimeProvider):
    """CRUD for ``SetEventCallback``/``GetEventCallback`` in one region."""

    def configure(self, req: dyn.ConfigureRequest) -> None:
        """Capture the stack configuration and the regions it lists (for parallel reads)."""
        super().configure(req)
        _LIVE.configure(req.config.get(CALLBACKS_KEY))

    # -- check ---------------------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Validate the inputs and read the live setting once (the preview's only API call).

        The live comparison lands in the ``drift`` input (display strings, keys only as
        fingerprints), so a plain ``pulumi preview --diff`` shows what differs in the cloud.
        A new resource whose region holds a different, unmanaged setting fails here, before
        anything is applied, unless ``adopt`` is set. For a queue the stack does not create,
        the queue must exist.
        """
        failures = _static_failures(news)
        if failures:
            return dyn.CheckResult(news, failures)
        news = {**news, **_auth_key_inputs(olds, news)}
        region = str(news["region"])
        if news.get("checkQueue") and news.get("callbackType") == "MNS":
            queue = str(news.get("queueName") or "")
            if self.runtime.mns(region).get_queue(queue) is None:
                failures.append(
                    dyn.CheckFailure(
                        "queueName",
                        f"MNS queue {queue!r} does not exist in {region}; create it first or "
                        "remove `existing: true` so the stack creates it",
                    )
                )
        from components.aliyun.errors import CloudError

        try:
            live = _LIVE.get(self.runtime, region)
        except CloudError as err:  # this region's apply will fail; the others go on
            return dyn.CheckResult({**news, "drift": [f"live setting unreadable: {err}"]}, [])
        drift: tuple[FieldDiff, ...] = ()
        if olds or not live.is_empty:  # a first apply to an empty region is no drift
            drift = compare(_setting(news), live)
        if not olds and news["authKeyGenerated"] and [d.field for d in drift] == ["authKey"]:
            # Our own earlier, interrupted apply: everything matches but the fresh key.
            news["authKey"] = live.auth_key
            drift = ()
        if not olds and drift and not news.get("adopt"):
            failures.append(dyn.CheckFailure("adopt", _refusal(region, live, drift)))
        return dyn.CheckResult({**news, "drift": [str(d) for d in drift]}, failures)

    # -- diff ----------------------------------------------------------------------------
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Changed inputs, or live drift found by ``check``, mean an update."""
        if olds.get("region") != news.get("region"):
            return dyn.DiffResult(changes=True, replaces=["region"], delete_before_replace=True)
        keys = (*compared_fields(_setting(news)), *BEHAVIOUR_KEYS)
        changed = [k for k in keys if _normalise(k, olds.get(k)) != _normalise(k, news.get(k))]
        return dyn.DiffResult(
            changes=bool(changed or news.get("drift")),
            replaces=[],
            stables=["region"],
            delete_before_replace=False,
        )

    # -- create / update -----------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Take ownership of the region's setting and apply the desired one."""
        region = str(props["region"])
        client = self.runtime.ice(region)
        live = client.get_callback()
        props = {**props, **_auth_key_inputs({}, props)}
        desired = _setting(props)
        drift = compare(desired, live)
        if not live.is_empty and drift and not props.get("adopt"):
            raise RuntimeError(_refusal(region, live, drift))
        if drift or live.is_empty:
            client.set_callback(desired)
        previous = None if live.is_empty else live.to_state()
        return dyn.CreateResult(region, self._outputs(props, desired, previous))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """Apply the desired setting if the live one differs; keep the recorded previous one."""
        region = str(news["region"])
        news = {**news, **_auth_key_inputs(olds, news)}
        desired = _setting(news)
        client = self.runtime.ice(region)
        if compare(desired, client.get_callback()):
            client.set_callback(desired)
        return dyn.UpdateResult(self._outputs(news, desired, olds.get("previous")))

    # -- read / delete -------------------------------------------------------------------
    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Report the live setting as outputs; stored inputs stay as they are (no phantom diff)."""
        live = _LIVE.get(self.runtime, id_).to_state()
        live["events"] = sorted(live["events"])
        # Only the fields that matter for the stored type: stale ones (a URL kept by IMS
        # after a switch to MNS) would otherwise show as a change on every refresh.
        outs = dict(props) | {k: live[k] for k in compared_fields(_setting(props))}
        return dyn.ReadResult(id_, outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Restore the setting recorded before the stack took over, reset it, or leave it."""
        behaviour = props.get("onDelete", "restore")
        if behaviour == "retain":
            return
        client = self.runtime.ice(id_)
        previous = props.get("previous")
        if behaviour == "restore" and previous:
            client.set_callback(CallbackSetting.from_state(previous))
        else:
            client.reset_callback()

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _outputs(
        props: dict[str, Any],
        applied: CallbackSetting,
        previous: dict[str, Any] | None,
    ) -> dict[str, Any]:
        keep = (*BEHAVIOUR_KEYS, "region", "authKeyGenerated")
        outs = {k: v for k, v in props.items() if k in keep}
        outs.update(applied.to_state())
        outs["events"] = sorted(applied.events)
        outs["previous"] = previous
        outs["drift"] = []
        return outs


def _auth_key_inputs(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """The key to apply: the configured one, else the one generated earlier, else a new one.

    A generated key lives in the checked inputs (secret, like the configured one), so later
    checks compare it with the live key and a change made in the console shows as drift.
    """
    if not news.get("authEnabled"):
        return {"authKeyGenerated": False}
    if news.get("authKey"):  # configured, or generated by an earlier check
        return {"authKeyGenerated": bool(news.get("authKeyGenerated"))}
    if olds.get("authKeyGenerated") and olds.get("authKey"):
        return {"authKey": olds["authKey"], "authKeyGenerated": True}
    return {"authKey": generate_auth_key(), "authKeyGenerated": True}


def _static_failures(news: dict[str, Any]) -> list[dyn.CheckFailure]:
    """Input problems that need no API call."""
    failures: list[dyn.CheckFailure] = []
    if news.get("region") not in REGION_IDS:
        failures.append(dyn.CheckFailure("region", f"unknown IMS region {news.get('region')!r}"))
    if news.get("onDelete") not in DELETE_BEHAVIOURS:
        failures.append(
            dyn.CheckFailure("onDelete", f"must be one of {', '.join(DELETE_BEHAVIOURS)}")
        )
    return failures


def _refusal(region: str, live: CallbackSetting, drift: tuple[FieldDiff, ...]) -> str:
    """The message shown when a region already has a setting the stack does not own."""
    shown = "\n".join(f"    {k}: {v}" for k, v in live.redacted().items() if v not in ("", None))
    differs = ", ".join(d.field for d in drift)
    return (
        f"{region} already has an IMS callback setting that this stack does not own "
        f"(it differs in: {differs}):\n{shown}\n"
        f"Refusing to overwrite it. To take it over, set "
        f"`ims-callbacks:callbacks.regions.{region}.adopt: true` (the current setting is "
        f"recorded and put back on destroy with onDelete: restore), or change the stack to "
        f"match it."
    )


class EventCallback(dyn.Resource, module="ims", name="EventCallback"):
    """The IMS event-callback setting of one region, managed by :class:`EventCallbackProvider`."""

    region: pulumi.Output[str]
    callbackType: pulumi.Output[str]  # noqa: N815 - Pulumi property name
    authKey: pulumi.Output[str]  # noqa: N815 - Pulumi property name

    def __init__(
        self,
        name: str,
        props: dict[str, pulumi.Input[Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the setting; the auth key (configured or generated) is always a secret."""
        props = dict(props)
        props["authKey"] = pulumi.Output.secret(props.get("authKey") or "")
        props.setdefault("previous", None)
        props.setdefault("authKeyGenerated", None)
        props.setdefault("drift", None)
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["authKey", "previous"])
        )
        super().__init__(EventCallbackProvider(), name, props, opts)


__all__ = ["EventCallback", "EventCallbackProvider", "generate_auth_key"]
