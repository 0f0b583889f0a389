"""``ims:index:EventCallback`` create/read/update/delete against the emulator.

The provider is driven in the engine's order with the engine's arguments: ``check(old
inputs, new inputs)``, then ``create(checked)`` or ``diff(old OUTPUTS, checked)`` and
``update``; ``read`` gets the stored outputs and inputs (refresh) or nothing (import);
``delete`` the stored outputs. ``check`` and ``diff`` are static: the live setting is read by
create, read and update. The emulator counts API calls per operation: "one Get, no Set" is
checked on the wire.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.errors import CloudError
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.core.callback import CallbackSetting
from components.core.fingerprint import fingerprint
from components.core.rules import auth_key_problems
from components.provider.errors import ResourceError, user_error
from components.provider.provider import ImsProvider
from components.provider.schema import VERSION
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.provider.conftest import (
    CALLBACK_TYPE,
    EVENTS,
    HTTP_REGION,
    KEY,
    MNS_REGION,
    QUEUE,
    URL,
    configured,
    http_inputs,
    mns_inputs,
    props,
    run,
    secret_keys,
    unwrap,
    urn,
)
from tests.queues import queue_settings

LIVE_KEY = "LiveConsole9Key"
SECRETS = ("authKey", "previous")
TIMEOUT = 60.0


def callback_urn(region: str) -> str:
    return urn(CALLBACK_TYPE, f"ims-callbacks-{region}-callback")


class CheckRefusedError(Exception):
    """The engine would stop here: ``check`` returned failures."""

    def __init__(self, failures: list[p.CheckFailure]) -> None:
        super().__init__("\n".join(f"{f.property}: {f.reason}" for f in failures))
        self.failures = failures


@dataclass(frozen=True)
class Managed:
    """What the engine keeps for one resource: id, checked inputs and outputs."""

    id: str
    inputs: dict[str, PropertyValue]
    outputs: dict[str, PropertyValue] = field(repr=False)

    @property
    def outs(self) -> dict[str, Any]:
        return unwrap(self.outputs)

    @property
    def urn(self) -> str:
        return callback_urn(self.id)


@dataclass
class Harness:
    """The configured provider, driven like the engine, plus direct emulator access."""

    emu: EmulatorProcess
    provider: ImsProvider

    def _credential(self) -> Any:
        config = {
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        }
        return resolve_credentials(config, {})

    def ice(self, region: str) -> IceClient:
        return IceClient(region, self._credential(), Transport(emulator=self.emu.base_url))

    def live(self, region: str) -> CallbackSetting:
        """The live setting, read outside the provider (counted: call before ``zero``)."""
        return self.ice(region).get_callback()

    def put(self, region: str, setting: CallbackSetting) -> None:
        """An unmanaged setting made outside the stack."""
        self.ice(region).set_callback(setting)

    def make_queue(self, region: str = MNS_REGION, name: str = QUEUE) -> None:
        settings = queue_settings(name)
        MnsClient(region, self._credential(), Transport(emulator=self.emu.base_url)).create_queue(
            settings
        )

    def zero(self) -> None:
        self.emu.control.reset_counters()

    def calls(self, operation: str | None = None) -> int:
        counters = self.emu.control.counters()
        if operation is None:
            return counters["total"]
        return counters["operations"].get(operation, 0)

    # -- the engine's side ------------------------------------------------------------------
    def check(self, olds: dict[str, PropertyValue], inputs: dict[str, Any]) -> dict[str, Any]:
        """Check as the engine calls it (old INPUTS, new inputs, a random seed)."""
        news = props(inputs, ("authKey",))
        region = str(inputs.get("region"))
        request = p.CheckRequest(callback_urn(region), olds, news, secrets.token_bytes(32))
        result = run(self.provider.check(request))
        if result.failures:
            raise CheckRefusedError(list(result.failures))
        assert result.inputs is not None
        return result.inputs

    def create(self, checked: dict[str, PropertyValue], *, preview: bool = False) -> Managed:
        region = unwrap(checked)["region"]
        request = p.CreateRequest(callback_urn(region), checked, TIMEOUT, preview)
        result = run(self.provider.create(request))
        assert result.properties is not None
        return Managed(str(result.resource_id), checked, result.properties)

    def up_new(self, inputs: dict[str, Any], *, preview: bool = False) -> Managed:
        """``pulumi up`` (or preview) of a resource the state does not have yet."""
        return self.create(self.check({}, inputs), preview=preview)

    def diff(self, res: Managed, checked: dict[str, PropertyValue]) -> p.DiffResponse:
        request = p.DiffRequest(res.urn, res.id, res.outputs, checked, [])
        return run(self.provider.diff(request))

    def preview(self, res: Managed, inputs: dict[str, Any]) -> p.DiffResponse:
        """``pulumi preview`` of an existing resource: check, diff (old OUTPUTS vs checked)."""
        return self.diff(res, self.check(res.inputs, inputs))

    def update(
        self, res: Managed, checked: dict[str, PropertyValue], *, preview: bool = False
    ) -> p.UpdateResponse:
        request = p.UpdateRequest(
            res.urn, res.id, res.outputs, checked, TIMEOUT, ignore_changes=[], preview=preview
        )
        return run(self.provider.update(request))

    def up(self, res: Managed, inputs: dict[str, Any]) -> Managed:
        """``pulumi up`` of an existing resource: check, diff, update if there are changes."""
        checked = self.check(res.inputs, inputs)
        if not self.diff(res, checked).changes:
            return Managed(res.id, checked, res.outputs)
        return Managed(res.id, checked, self.update(res, checked).properties)

    def read(self, resource_id: str, outputs: dict[str, Any], inputs: dict[str, Any]) -> Any:
        request = p.ReadRequest(callback_urn(resource_id), resource_id, outputs, inputs)
        return run(self.provider.read(request))

    def refresh(self, res: Managed) -> Managed:
        """``pulumi refresh``: read with the stored outputs and inputs."""
        result = self.read(res.id, res.outputs, res.inputs)
        assert result.resource_id == res.id
        return Managed(res.id, result.inputs or res.inputs, result.properties)

    def import_(self, region: str) -> Managed:
        """``pulumi import ims:index:EventCallback <name> <region>``: read with nothing."""
        result = self.read(region, {}, {})
        return Managed(str(result.resource_id), result.inputs, result.properties)

    def destroy(self, res: Managed) -> None:
        request = p.DeleteRequest(res.urn, res.id, res.outputs, TIMEOUT)
        run(self.provider.delete(request))


@pytest.fixture
def h(emulator_process: EmulatorProcess) -> Harness:
    """Empty emulator state, zero counters, and a freshly configured provider."""
    emulator_process.control.reset()
    return Harness(emulator_process, configured(emulator_process))


def live_http(**changes: Any) -> CallbackSetting:
    """An unmanaged HTTP setting someone made in the console."""
    values: dict[str, Any] = {
        "url": "https://console.example.com/hook",
        "events": ("FileUploadComplete",),
        "auth_enabled": True,
        "auth_key": LIVE_KEY,
    }
    return CallbackSetting("HTTP", **(values | changes))


# -- check: static, no API call --------------------------------------------------------------


def test_check_unknown_region_and_bad_on_delete_fail_without_calls(h):
    with pytest.raises(CheckRefusedError) as caught:
        h.check({}, mns_inputs(region="mars-north-1", onDelete="destroy"))
    failures = {f.property: f.reason for f in caught.value.failures}
    assert set(failures) == {"region", "onDelete"}
    assert "mars-north-1" in failures["region"]
    assert all(word in failures["onDelete"] for word in ("restore", "reset", "retain"))
    assert h.calls() == 0


@pytest.mark.parametrize("kind", ["mns", "http", "http-generated"])
def test_check_and_diff_make_no_api_call(h, kind):
    generated = http_inputs(authKey=None)
    inputs = {"mns": mns_inputs(), "http": http_inputs(), "http-generated": generated}[kind]
    h.make_queue()
    res = h.up_new(inputs)
    h.zero()
    assert h.preview(res, inputs).changes is False
    assert h.calls() == 0


# -- create ----------------------------------------------------------------------------------


def test_create_on_empty_region_sets_once_and_returns_outputs(h):
    h.make_queue()
    h.zero()
    res = h.up_new(mns_inputs())
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 1)
    assert res.id == MNS_REGION
    assert res.outs == {
        "region": MNS_REGION,
        "adopt": False,
        "onDelete": "restore",
        "checkQueue": False,
        "callbackType": "MNS",
        "url": "",
        "queueName": QUEUE,
        "events": sorted(EVENTS),
        "authEnabled": False,
        "authKey": "",
        "authKeyGenerated": False,
        "previous": None,
    }
    assert secret_keys(res.outputs) == set(SECRETS)
    assert h.live(MNS_REGION) == CallbackSetting("MNS", queue_name=QUEUE, events=tuple(EVENTS))


def test_create_http_with_configured_key_applies_it(h):
    res = h.up_new(http_inputs())
    got = (res.outs["authKey"], res.outs["authKeyGenerated"], res.outs["previous"])
    assert got == (KEY, False, None)
    assert h.live(HTTP_REGION) == CallbackSetting(
        "HTTP", url=URL, events=tuple(EVENTS), auth_enabled=True, auth_key=KEY
    )


@pytest.mark.parametrize("kind", ["mns", "http"])
def test_create_adopts_an_identical_live_setting_without_set(h, kind):
    if kind == "mns":
        h.make_queue()
        inputs = mns_inputs()
        h.put(MNS_REGION, CallbackSetting("MNS", queue_name=QUEUE, events=tuple(EVENTS)))
    else:
        inputs = http_inputs()
        h.put(HTTP_REGION, live_http(url=URL, events=tuple(EVENTS), auth_key=KEY))
    h.zero()
    res = h.up_new(inputs)
    assert h.calls("SetEventCallback") == 0
    assert res.outs["events"] == sorted(EVENTS)


VACANT = {
    "empty": None,
    "reset-http": CallbackSetting("HTTP", url="https://old.example.com/hook"),
    "reset-mns": CallbackSetting("MNS", queue_name="ice-callback-old"),
}


@pytest.mark.parametrize("before", VACANT.values(), ids=VACANT)
def test_create_takes_a_vacant_region_without_adopt_and_records_it(h, before):
    h.make_queue(HTTP_REGION, "ice-callback-old")
    if before is not None:
        h.put(HTTP_REGION, before)
    h.zero()
    res = h.up_new(http_inputs())
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 1)
    assert res.outs["adopt"] is False
    assert res.outs["previous"] == (None if before is None else before.to_state())
    assert h.live(HTTP_REGION).url == URL


def _refusal(h: Harness, inputs: dict[str, Any], *, preview: bool = False) -> str:
    """The message that stops ``pulumi up`` (or preview): create's one-line error."""
    with pytest.raises(ResourceError) as caught:
        h.up_new(inputs, preview=preview)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_create_refuses_a_different_unmanaged_setting(h, preview):
    h.put(HTTP_REGION, live_http())
    h.zero()
    message = _refusal(h, http_inputs(), preview=preview)
    differs = re.search(r"it differs in ([^)]*)\)", message)
    assert differs is not None, message
    assert set(differs.group(1).split(", ")) == {"url", "events", "authKey"}
    assert "https://console.example.com/hook" in message  # the live values are shown
    assert fingerprint(LIVE_KEY) in message  # ... with the key as a fingerprint
    assert LIVE_KEY not in message
    assert KEY not in message
    assert "`adopt: true`" in message
    assert f"pulumi import {CALLBACK_TYPE} <name> {HTTP_REGION}" in message
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 0)
    assert h.live(HTTP_REGION) == live_http()


def test_create_refuses_to_switch_an_unmanaged_http_setting_to_mns(h):
    h.make_queue()
    h.put(MNS_REGION, live_http())
    message = _refusal(h, mns_inputs())
    assert "callbackType" in message
    assert "adopt: true" in message
    assert LIVE_KEY not in message
    assert h.live(MNS_REGION) == live_http()


def test_create_with_adopt_applies_and_records_previous(h):
    h.put(HTTP_REGION, live_http())
    h.zero()
    res = h.up_new(http_inputs(adopt=True))
    assert h.calls("SetEventCallback") == 1
    assert res.outs["previous"] == live_http().to_state()
    assert res.outs["adopt"] is True
    assert res.outputs["previous"].is_secret
    assert h.live(HTTP_REGION) == CallbackSetting(
        "HTTP", url=URL, events=tuple(EVENTS), auth_enabled=True, auth_key=KEY
    )


def test_create_takes_back_its_own_setting_from_an_interrupted_run(h):
    # The earlier run applied its generated key but was never recorded; the rerun's check
    # generates another one: only the key differs, so the setting is the stack's own.
    earlier = h.check({}, http_inputs(authKey=None))
    h.put(HTTP_REGION, CallbackSetting("HTTP", URL, "", tuple(EVENTS), True, "Earlier0Run0Key1"))
    h.zero()
    res = h.create(h.check({}, http_inputs(authKey=None)))
    assert h.calls("SetEventCallback") == 1
    assert res.outs["authKeyGenerated"] is True
    assert h.live(HTTP_REGION).auth_key == res.outs["authKey"] != unwrap(earlier)["authKey"]


def test_create_with_a_configured_key_refuses_a_setting_differing_only_in_the_key(h):
    h.put(HTTP_REGION, CallbackSetting("HTTP", URL, "", tuple(EVENTS), True, LIVE_KEY))
    message = _refusal(h, http_inputs())
    assert "differs in authKey" in message


def test_preview_create_checks_but_sets_nothing(h):
    h.make_queue()
    h.zero()
    res = h.up_new(mns_inputs(checkQueue=True), preview=True)
    assert h.calls("SetEventCallback") == 0
    assert h.calls("GetQueueAttributes") == 1
    assert res.outs["queueName"] == QUEUE
    assert h.live(MNS_REGION).is_empty


def test_preview_create_with_unknown_inputs_calls_nothing(h):
    checked = props(http_inputs(), ("authKey",)) | {"url": PropertyValue.computed()}
    h.zero()
    res = h.create(checked, preview=True)
    assert h.calls() == 0
    assert res.outputs == checked


def test_create_existing_queue_missing_is_refused_naming_the_queue(h):
    with pytest.raises(ResourceError) as caught:
        h.up_new(mns_inputs(checkQueue=True))
    reason = str(caught.value)
    assert QUEUE in reason
    assert MNS_REGION in reason
    assert "create it first" in reason
    assert "existing: true" in reason
    assert h.calls("GetQueueAttributes") == 1
    assert h.calls("SetEventCallback") == 0


def test_create_existing_queue_present_passes(h):
    h.make_queue()
    res = h.up_new(mns_inputs(checkQueue=True))
    assert res.outs["checkQueue"] is True
    assert h.live(MNS_REGION).queue_name == QUEUE


def test_generated_auth_key_meets_ims_rules_and_is_kept_across_update(h):
    res = h.up_new(http_inputs(authKey=None))
    key = res.outs["authKey"]
    assert len(key) == 24
    assert auth_key_problems(key) == []
    assert res.outs["authKeyGenerated"] is True
    assert res.outputs["authKey"].is_secret
    assert h.live(HTTP_REGION).auth_key == key

    more = http_inputs(authKey=None, events=[*EVENTS, "MediaConvertComplete"])
    h.zero()
    res2 = h.up(res, more)
    assert h.calls("SetEventCallback") == 1
    assert res2.outs["authKey"] == key, "an update must not regenerate the key"
    live = h.live(HTTP_REGION)
    assert (live.auth_key, set(live.events)) == (key, {*EVENTS, "MediaConvertComplete"})
    assert h.preview(res2, more).changes is False


def test_generated_keys_differ_between_regions(h):
    a = h.up_new(http_inputs(authKey=None))
    b = h.up_new(http_inputs(region="cn-hangzhou", authKey=None))
    assert a.outs["authKey"] != b.outs["authKey"]


# -- diff (as part of a preview: check, then diff) ---------------------------------------------


@pytest.fixture
def mns_res(h) -> Managed:
    """An MNS region created by the stack (counters zeroed afterwards)."""
    h.make_queue()
    res = h.up_new(mns_inputs())
    h.zero()
    return res


@pytest.fixture
def http_res(h) -> Managed:
    """An HTTP region with a configured key, created by the stack (counters zeroed)."""
    res = h.up_new(http_inputs())
    h.zero()
    return res


def test_diff_event_added_is_a_change(h, mns_res):
    result = h.preview(mns_res, mns_inputs(events=[*EVENTS, "MediaConvertComplete"]))
    assert (result.changes, result.diffs) == (True, ["events"])


def test_diff_configured_key_changed_is_a_change(h, http_res):
    result = h.preview(http_res, http_inputs(authKey="Rotated0Key77"))
    assert (result.changes, result.diffs) == (True, ["authKey"])


def test_diff_ignores_event_order_and_duplicates(h, mns_res):
    shuffled = [*reversed(EVENTS), EVENTS[0], EVENTS[1]]
    assert h.preview(mns_res, mns_inputs(events=shuffled)).changes is False


def test_diff_behaviour_only_change_is_a_change(h, mns_res):
    assert h.preview(mns_res, mns_inputs(onDelete="retain")).diffs == ["onDelete"]


def test_diff_region_change_replaces(h, mns_res):
    result = h.preview(mns_res, mns_inputs(region="cn-hangzhou"))
    assert (result.changes, result.replaces) == (True, ["region"])
    assert result.delete_before_replace is True


CONSOLE_EDITS = {
    "mns-events": ("mns", {"EventTypeList": "FileUploadComplete"}, "events"),
    "mns-queue": ("mns", {"CallbackQueueName": "ice-callback-elsewhere"}, "queueName"),
    "http-url": ("http", {"CallbackURL": "https://elsewhere.example.com/ims"}, "url"),
    "http-key": ("http", {"AuthKey": "Console0Changed"}, "authKey"),
    "http-auth-off": ("http", {"AuthSwitch": "off"}, "authEnabled"),  # the key goes with it
}


@pytest.mark.parametrize(("kind", "edit", "prop"), CONSOLE_EDITS.values(), ids=CONSOLE_EDITS)
def test_refresh_then_diff_shows_console_drift_with_unchanged_inputs(h, request, kind, edit, prop):
    res = request.getfixturevalue(f"{kind}_res")
    inputs = mns_inputs() if kind == "mns" else http_inputs()
    h.emu.control.console_edit(res.id, edit)
    assert h.preview(res, inputs).changes is False, "diff is static: drift shows after a read"
    result = h.preview(h.refresh(res), inputs)
    assert result.changes is True
    assert result.diffs[0] == prop
    assert result.diffs in ([prop], ["authEnabled", "authKey"])
    assert h.calls("SetEventCallback") == 0


def test_refresh_then_diff_shows_console_drift_of_a_generated_key(h):
    inputs = http_inputs(authKey=None)
    res = h.up_new(inputs)
    assert h.preview(h.refresh(res), inputs).changes is False
    h.emu.control.console_edit(HTTP_REGION, {"AuthKey": "Console0Changed"})
    assert h.preview(h.refresh(res), inputs).diffs == ["authKey"]


# -- update ----------------------------------------------------------------------------------


def test_update_sets_once_when_the_setting_changes(h, mns_res):
    more = [*EVENTS, "MediaConvertComplete"]
    res = h.up(mns_res, mns_inputs(events=more))
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 1)
    assert res.outs["events"] == sorted(more)
    assert secret_keys(res.outputs) == set(SECRETS)
    assert set(h.live(MNS_REGION).events) == set(more)


def test_update_of_behaviour_only_makes_no_set_and_keeps_previous(h):
    h.put(HTTP_REGION, live_http())
    res = h.up_new(http_inputs(adopt=True))
    h.zero()
    res2 = h.up(res, http_inputs(adopt=True, onDelete="retain"))
    assert h.calls("SetEventCallback") == 0
    assert res2.outs["onDelete"] == "retain"
    assert res2.outs["previous"] == live_http().to_state()
    assert res2.outputs["previous"].is_secret


def test_update_calls_set_only_when_the_live_setting_differs(h, mns_res):
    """update() itself (the engine decided to update): one Get, no Set if live matches."""
    result = h.update(mns_res, h.check(mns_res.inputs, mns_inputs(onDelete="reset")))
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 0)
    assert unwrap(result.properties)["onDelete"] == "reset"


def test_update_repairs_console_drift(h, http_res):
    h.emu.control.console_edit(HTTP_REGION, {"CallbackURL": "https://elsewhere.example.com/x"})
    refreshed = h.refresh(http_res)
    h.zero()
    h.up(refreshed, http_inputs())
    assert h.calls("SetEventCallback") == 1
    assert h.live(HTTP_REGION).url == URL


def test_preview_update_calls_nothing(h, mns_res):
    checked = h.check(mns_res.inputs, mns_inputs(events=[*EVENTS, "MediaConvertComplete"]))
    result = h.update(mns_res, checked, preview=True)
    assert h.calls() == 0
    assert unwrap(result.properties)["events"] == sorted([*EVENTS, "MediaConvertComplete"])
    assert set(h.live(MNS_REGION).events) == set(EVENTS)


def test_preview_update_with_unknown_inputs_calls_nothing(h, mns_res):
    checked = dict(mns_res.inputs) | {"events": PropertyValue.computed()}
    result = h.update(mns_res, checked, preview=True)
    assert h.calls() == 0
    assert isinstance(result.properties["events"].value, Computed)


def test_update_existing_queue_missing_is_refused(h, mns_res):
    h.emu.control.reset()  # the queue is gone
    with pytest.raises(ResourceError, match="does not exist"):
        h.up(mns_res, mns_inputs(checkQueue=True))
    assert h.calls("SetEventCallback") == 0


# -- read (refresh and import) ---------------------------------------------------------------


def test_read_reports_live_values_after_a_console_edit(h, http_res):
    h.emu.control.console_edit(
        HTTP_REGION,
        {"CallbackURL": "https://elsewhere.example.com/x", "EventTypeList": "FileUploadComplete"},
    )
    res = h.refresh(http_res)
    assert res.outs["url"] == "https://elsewhere.example.com/x"
    assert res.outs["events"] == ["FileUploadComplete"]
    assert unwrap(res.inputs)["url"] == "https://elsewhere.example.com/x"
    assert res.outs["onDelete"] == http_res.outs["onDelete"]
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 0)
    assert h.preview(res, http_inputs()).diffs == ["url", "events"]


@pytest.mark.parametrize("kind", ["mns", "http", "http-generated"])
def test_read_in_sync_gives_no_phantom_diff(h, kind):
    if kind == "mns":
        h.make_queue()
        inputs = mns_inputs()
    else:
        inputs = http_inputs(authKey=None if kind == "http-generated" else KEY)
    res = h.up_new(inputs)
    refreshed = h.refresh(res)
    assert refreshed.outs == res.outs
    assert unwrap(refreshed.inputs) == unwrap(res.inputs)
    assert secret_keys(refreshed.outputs) == set(SECRETS)
    assert secret_keys(refreshed.inputs) == {"authKey"}
    assert h.preview(refreshed, inputs).changes is False


@pytest.mark.parametrize(
    "stale",
    [
        {"CallbackURL": "https://stale.example.com/old"},
        {"AuthSwitch": "on", "AuthKey": "Stale0Key1234"},
    ],
    ids=["url", "auth"],
)
def test_read_with_stale_unused_fields_gives_no_phantom_diff(h, mns_res, stale):
    h.emu.control.console_edit(MNS_REGION, stale)
    refreshed = h.refresh(mns_res)
    assert h.preview(refreshed, mns_inputs()).changes is False


def test_read_keeps_the_recorded_previous_setting(h):
    h.put(HTTP_REGION, live_http())
    res = h.up_new(http_inputs(adopt=True))
    refreshed = h.refresh(res)
    assert refreshed.outs["previous"] == live_http().to_state()
    assert refreshed.outputs["previous"].is_secret


def test_read_of_the_dynamic_state_drops_its_keys(h, http_res):
    dynamic = {"__provider": PropertyValue("ZGlsbA=="), "drift": PropertyValue([])}
    old = Managed(http_res.id, http_res.inputs | dynamic, http_res.outputs | dynamic)
    refreshed = h.refresh(old)
    assert refreshed.outs == http_res.outs
    assert "__provider" not in refreshed.inputs
    assert "drift" not in refreshed.inputs
    assert h.preview(refreshed, http_inputs()).changes is False


IMPORTS = {
    "mns": (
        MNS_REGION,
        CallbackSetting("MNS", queue_name=QUEUE, events=tuple(EVENTS)),
        mns_inputs(),
    ),
    "http": (
        HTTP_REGION,
        CallbackSetting("HTTP", URL, "", tuple(EVENTS), True, KEY),
        http_inputs(),
    ),
    "http-no-auth": (
        HTTP_REGION,
        CallbackSetting("HTTP", URL, "", tuple(EVENTS)),
        http_inputs(authEnabled=False, authKey=None),
    ),
}


@pytest.mark.parametrize(("region", "live", "program"), IMPORTS.values(), ids=IMPORTS)
def test_import_reads_the_live_setting_as_inputs_shaped_like_the_program(h, region, live, program):
    h.make_queue()
    h.put(region, live)
    h.zero()
    res = h.import_(region)
    assert (h.calls("GetEventCallback"), h.calls()) == (1, 1)
    assert res.id == region
    assert set(res.inputs) == set(h.check({}, program)), "the same keys as checked inputs"
    assert res.outs["previous"] == live.to_state(), "destroy puts back what was imported"
    assert secret_keys(res.outputs) == set(SECRETS)
    assert secret_keys(res.inputs) == {"authKey"}
    result = h.preview(res, program)
    assert (result.changes, result.replaces) == (False, [])


def test_import_with_a_bad_id_names_the_expected_one(h):
    with pytest.raises(ResourceError, match="the ID of a callback setting is its region"):
        h.import_("cn-shanghai/ice-callback-x")
    assert h.calls() == 0


# -- delete ----------------------------------------------------------------------------------


def test_delete_restore_puts_the_previous_setting_back(h):
    h.make_queue()
    h.put(MNS_REGION, live_http())
    res = h.up_new(mns_inputs(adopt=True))
    assert res.outs["previous"] == live_http().to_state()
    h.zero()
    h.destroy(res)
    assert h.calls("SetEventCallback") == 1
    assert h.live(MNS_REGION) == live_http()  # including the previous auth key


def test_delete_restore_without_previous_resets(h, mns_res):
    h.destroy(mns_res)
    assert h.calls("SetEventCallback") == 1
    assert h.live(MNS_REGION) == CallbackSetting("MNS", queue_name=QUEUE)


def test_delete_reset_stops_deliveries_even_with_a_previous_setting(h):
    h.put(HTTP_REGION, live_http())
    res = h.up_new(http_inputs(adopt=True, onDelete="reset"))
    assert res.outs["previous"] is not None
    h.zero()
    h.destroy(res)
    assert h.calls("SetEventCallback") == 1
    assert h.live(HTTP_REGION) == CallbackSetting("HTTP", url=URL)


def test_delete_retain_leaves_the_setting_alone(h):
    res = h.up_new(http_inputs(onDelete="retain"))
    h.zero()
    h.destroy(res)
    assert h.calls() == 0
    assert h.live(HTTP_REGION).auth_key == KEY


def test_a_region_reset_by_the_stack_is_taken_again_without_adopt(h, mns_res):
    h.destroy(mns_res)  # reset: the type and queue stay, no events
    res = h.up_new(mns_inputs())
    assert res.outs["previous"] == CallbackSetting("MNS", queue_name=QUEUE).to_state()
    assert h.live(MNS_REGION).events == tuple(sorted(EVENTS))


# -- errors ----------------------------------------------------------------------------------


def test_a_forbidden_call_is_a_one_line_cloud_error(h):
    h.emu.control.add_fault("forbidden", operation="SetEventCallback")
    with pytest.raises(CloudError) as caught:
        h.up_new(http_inputs())
    message = str(caught.value)
    assert "\n" not in message
    assert "Forbidden" in message
    assert HTTP_REGION in message
    assert KEY not in message


def test_user_error_finds_the_cloud_error_behind_the_sdks_wrapper(h):
    """The SDK's servicer re-raises with a traceback; ours is its ``__context__``."""
    h.emu.control.add_fault("forbidden", region=HTTP_REGION)
    servicer = ProviderServicer([], VERSION, h.provider, engine_address="")
    checked = h.check({}, http_inputs())
    request = provider_pb2.CreateRequest(
        urn=callback_urn(HTTP_REGION),
        properties=PropertyValue.marshal_map(checked),
        timeout=TIMEOUT,
    )
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the SDK raises a bare Exception
        run(servicer.Create(request, None))
    assert "Traceback" in str(caught.value) or "File " in str(caught.value)
    found = user_error(caught.value)
    assert isinstance(found, CloudError)
    assert found is caught.value.__context__
    assert "\n" not in str(found)


def _rethrow(error: Exception) -> None:
    """Raise ``error`` the way the SDK's servicer does: a new Exception around it."""
    try:
        raise error  # noqa: TRY301 - the RPC's own error
    except Exception as inner:
        raise Exception(f"{inner}:\n  File x") from None  # noqa: TRY002


def _wrapped(error: Exception) -> Exception:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the SDK raises a bare Exception
        _rethrow(error)
    return caught.value


def test_user_error_finds_a_refusal_and_not_a_bug():
    refusal = ResourceError("cn-beijing already has an IMS callback setting")
    assert user_error(_wrapped(refusal)) is refusal
    assert user_error(refusal) is refusal
    assert user_error(_wrapped(KeyError("region"))) is None
