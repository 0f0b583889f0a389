"""EventCallbackProvider's methods called directly, against the emulator.

The provider is configured the way ``python -m pulumi.dynamic`` does it (a
``ConfigureRequest`` around ``pulumi.dynamic.config.Config``) and driven in the engine's
order with the engine's arguments: ``check(old inputs, new inputs)``, then ``create(checked)``
or ``diff``/``update(id, old OUTPUTS, checked)``; ``read``/``delete`` get the stored outputs
(always with ``__provider``). So the tests hold whichever of check or diff reads the live
setting. The emulator counts API calls per operation: "one Get, no Set" is checked on the wire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi.dynamic as dyn
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.core.callback import CallbackSetting
from components.core.fingerprint import fingerprint
from components.core.rules import auth_key_problems
from components.core.settings import QueueSettings
from components.pulumi_layer.provider import AUTH_KEY_LENGTH, EventCallbackProvider
from emulator.auth import DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.pulumi_layer.conftest import configured, pickled, stack_config

MNS_REGION = "cn-shanghai"
HTTP_REGION = "cn-beijing"
QUEUE = "ice-callback-provider-test"
URL = "https://hooks.example.com/ims"
EVENTS = ["ProduceMediaComplete", "FileUploadComplete"]
KEY = "Configured0Key42"
LIVE_KEY = "LiveConsole9Key"
PROVIDER = serialize_provider(EventCallbackProvider())


def mns_inputs(**changes: Any) -> dict[str, Any]:
    """The inputs EventCallback registers for an MNS region (secrets already plain)."""
    props = {
        "region": MNS_REGION,
        "callbackType": "MNS",
        "url": "",
        "queueName": QUEUE,
        "events": list(EVENTS),
        "authEnabled": False,
        "authKey": "",
        "adopt": False,
        "onDelete": "restore",
        "checkQueue": False,
        "previous": None,
        "authKeyGenerated": None,
        "__provider": PROVIDER,
    }
    return props | changes


def http_inputs(**changes: Any) -> dict[str, Any]:
    """The inputs of an HTTP region with a configured key (``authKey=""``: generate one)."""
    props = mns_inputs(
        region=HTTP_REGION, callbackType="HTTP", url=URL, queueName="", authEnabled=True
    )
    return props | {"authKey": KEY} | changes


class CheckRefusedError(Exception):
    """The engine would stop here: ``check`` returned failures."""

    def __init__(self, failures: list[dyn.CheckFailure]) -> None:
        super().__init__("\n".join(f"{f.property}: {f.reason}" for f in failures))
        self.failures = failures


@dataclass(frozen=True)
class Managed:
    """What the engine keeps for one resource: id, checked inputs and outputs."""

    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class Harness:
    """The configured provider, driven like the engine, plus direct emulator access."""

    emu: EmulatorProcess
    provider: EventCallbackProvider

    def _credential(self) -> Any:
        return resolve_credentials(stack_config(self.emu), {})

    def ice(self, region: str) -> IceClient:
        return IceClient(region, self._credential(), Transport(emulator=self.emu.base_url))

    def live(self, region: str) -> CallbackSetting:
        """The live setting, read outside the provider (counted: call before ``zero``)."""
        return self.ice(region).get_callback()

    def put(self, region: str, setting: CallbackSetting) -> None:
        """An unmanaged setting made outside the stack."""
        self.ice(region).set_callback(setting)

    def make_queue(self, region: str = MNS_REGION, name: str = QUEUE) -> None:
        settings = QueueSettings(name, False, 345600, 30, 0, 65536, 0, False, ())
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

    # -- the engine's side: Check, then Create / Diff (+ Update) / Read / Delete -----------
    def check(self, olds: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        """Check as the engine calls it (old INPUTS, new inputs); raise on failures."""
        result = self.provider.check(dict(olds), dict(inputs))
        if result.failures:
            raise CheckRefusedError(list(result.failures))
        assert result.inputs is not None
        return dict(result.inputs)

    def up_new(self, inputs: dict[str, Any]) -> Managed:
        """``pulumi up`` of a resource the state does not have yet: check, create."""
        checked = self.check({}, inputs)
        result = self.provider.create(dict(checked))
        assert result.outs is not None
        return Managed(str(result.id), checked, result.outs | {"__provider": PROVIDER})

    def preview(self, res: Managed, inputs: dict[str, Any]) -> dyn.DiffResult:
        """``pulumi preview`` of an existing resource: check, diff (old OUTPUTS vs checked)."""
        checked = self.check(res.inputs, inputs)
        return self.provider.diff(res.id, dict(res.outputs), checked)

    def up(self, res: Managed, inputs: dict[str, Any]) -> Managed:
        """``pulumi up`` of an existing resource: check, diff, update if there are changes."""
        checked = self.check(res.inputs, inputs)
        if not self.provider.diff(res.id, dict(res.outputs), dict(checked)).changes:
            return Managed(res.id, checked, res.outputs)
        result = self.provider.update(res.id, dict(res.outputs), dict(checked))
        assert result.outs is not None
        return Managed(res.id, checked, result.outs | {"__provider": PROVIDER})

    def refresh(self, res: Managed) -> Managed:
        """``pulumi refresh``: read with the stored outputs; inputs stay as they were."""
        result = self.provider.read(res.id, dict(res.outputs))
        assert result.id == res.id
        assert result.outs is not None
        inputs = res.inputs if result.inputs is None else dict(result.inputs)
        return Managed(res.id, inputs, result.outs | {"__provider": PROVIDER})

    def destroy(self, res: Managed) -> None:
        self.provider.delete(res.id, dict(res.outputs))


@pytest.fixture
def h(emulator_process: EmulatorProcess) -> Harness:
    """Empty emulator state, zero counters, and a freshly configured provider."""
    emulator_process.control.reset()
    return Harness(emulator_process, configured(EventCallbackProvider(), emulator_process))


def live_http(**changes: Any) -> CallbackSetting:
    """An unmanaged HTTP setting someone made in the console."""
    values: dict[str, Any] = {
        "url": "https://console.example.com/hook",
        "events": ("FileUploadComplete",),
        "auth_enabled": True,
        "auth_key": LIVE_KEY,
    }
    return CallbackSetting("HTTP", **(values | changes))


# -- check ------------------------------------------------------------------------------------


def test_check_existing_queue_missing_names_queue_name_with_a_fix(h):
    result = h.provider.check({}, mns_inputs(checkQueue=True))
    failures = {f.property: f.reason for f in result.failures}
    assert "queueName" in failures, failures
    reason = failures["queueName"]
    assert QUEUE in reason
    assert MNS_REGION in reason
    assert "create it first" in reason
    assert "existing: true" in reason
    assert h.calls("GetQueueAttributes") == 1


def test_check_existing_queue_present_passes_and_keeps_the_inputs(h):
    h.make_queue()
    inputs = mns_inputs(checkQueue=True)
    result = h.provider.check({}, dict(inputs))
    assert list(result.failures) == []
    assert {k: result.inputs[k] for k in inputs} == inputs | {"authKeyGenerated": False}


def test_check_unknown_region_and_bad_on_delete_fail_without_calls(h):
    result = h.provider.check({}, mns_inputs(region="mars-north-1", onDelete="destroy"))
    failures = {f.property: f.reason for f in result.failures}
    assert set(failures) == {"region", "onDelete"}
    assert "mars-north-1" in failures["region"]
    assert all(word in failures["onDelete"] for word in ("restore", "reset", "retain"))
    assert h.calls() == 0


# -- create ----------------------------------------------------------------------------------


def test_create_on_empty_region_sets_once_and_returns_outputs(h):
    h.make_queue()
    h.zero()
    res = h.up_new(mns_inputs())
    assert h.calls("SetEventCallback") == 1
    assert res.id == MNS_REGION
    want = {
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
    assert {k: res.outputs.get(k) for k in want} == want
    assert h.live(MNS_REGION) == CallbackSetting("MNS", queue_name=QUEUE, events=tuple(EVENTS))


def test_create_http_with_configured_key_applies_it(h):
    res = h.up_new(http_inputs())
    got = (res.outputs["authKey"], res.outputs["authKeyGenerated"], res.outputs["previous"])
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
    assert res.outputs["events"] == sorted(EVENTS)


def _refusal(h: Harness, inputs: dict[str, Any]) -> str:
    """The message that stops ``pulumi up`` (a check failure or a create error)."""
    with pytest.raises((CheckRefusedError, RuntimeError)) as caught:
        h.up_new(inputs)
    return str(caught.value)


def test_create_refuses_a_different_unmanaged_setting(h):
    h.put(HTTP_REGION, live_http())
    h.zero()
    message = _refusal(h, http_inputs())
    differs = re.search(r"differs in: ([^)]*)\)", message)
    assert differs is not None, message
    assert set(differs.group(1).split(", ")) == {"url", "events", "authKey"}
    assert "https://console.example.com/hook" in message  # the live values are shown
    assert fingerprint(LIVE_KEY) in message  # ... with the key as a fingerprint
    assert LIVE_KEY not in message
    assert KEY not in message
    assert f"ims-callbacks:callbacks.regions.{HTTP_REGION}.adopt: true" in message
    assert h.calls("SetEventCallback") == 0
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
    assert res.outputs["previous"] == live_http().to_state()
    assert res.outputs["adopt"] is True
    assert h.live(HTTP_REGION) == CallbackSetting(
        "HTTP", url=URL, events=tuple(EVENTS), auth_enabled=True, auth_key=KEY
    )


def test_checked_inputs_never_carry_a_plaintext_key(h):
    """Inputs are stored unencrypted except authKey: no other field may hold a key."""
    res = h.up_new(http_inputs())
    h.emu.control.console_edit(HTTP_REGION, {"AuthKey": "Console0Changed"})
    for olds in ({}, res.inputs):
        checked = h.provider.check(olds, http_inputs(adopt=True)).inputs
        rest = repr({k: v for k, v in checked.items() if k != "authKey"})
        assert "Console0Changed" not in rest
        assert KEY not in rest


def test_generated_auth_key_meets_ims_rules_and_is_kept_across_update(h):
    inputs = http_inputs(authKey="")
    res = h.up_new(inputs)
    key = res.outputs["authKey"]
    assert len(key) == AUTH_KEY_LENGTH == 24
    assert auth_key_problems(key) == []
    assert res.outputs["authKeyGenerated"] is True
    assert h.live(HTTP_REGION).auth_key == key

    more = http_inputs(authKey="", events=[*EVENTS, "MediaConvertComplete"])
    h.zero()
    res2 = h.up(res, more)
    assert h.calls("SetEventCallback") == 1
    assert res2.outputs["authKey"] == key, "an update must not regenerate the key"
    live = h.live(HTTP_REGION)
    assert (live.auth_key, set(live.events)) == (key, {*EVENTS, "MediaConvertComplete"})
    assert h.preview(res2, more).changes is False


def test_generated_keys_differ_between_regions(h):
    a = h.up_new(http_inputs(authKey=""))
    b = h.up_new(http_inputs(region="cn-hangzhou", authKey=""))
    assert a.outputs["authKey"] != b.outputs["authKey"]


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


@pytest.mark.parametrize("kind", ["mns", "http"])
def test_preview_without_changes_reads_once_and_writes_nothing(h, request, kind):
    res = request.getfixturevalue(f"{kind}_res")
    result = h.preview(res, mns_inputs() if kind == "mns" else http_inputs())
    assert result.changes is False
    assert not result.replaces
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 0)
    assert h.calls() == 1


def test_diff_event_added_is_a_change(h, mns_res):
    assert h.preview(mns_res, mns_inputs(events=[*EVENTS, "MediaConvertComplete"])).changes


def test_diff_configured_key_changed_is_a_change(h, http_res):
    assert h.preview(http_res, http_inputs(authKey="Rotated0Key77")).changes is True


@pytest.mark.parametrize(
    ("kind", "edit"),
    [
        ("mns", {"EventTypeList": "FileUploadComplete"}),
        ("mns", {"CallbackQueueName": "ice-callback-elsewhere"}),
        ("http", {"CallbackURL": "https://elsewhere.example.com/ims"}),
        ("http", {"AuthKey": "Console0Changed"}),
        ("http", {"AuthSwitch": "off"}),
    ],
)
def test_diff_sees_console_drift_with_unchanged_inputs(h, request, kind, edit):
    res = request.getfixturevalue(f"{kind}_res")
    h.emu.control.console_edit(res.id, edit)
    assert h.preview(res, mns_inputs() if kind == "mns" else http_inputs()).changes is True
    assert h.calls("SetEventCallback") == 0


def test_diff_sees_console_drift_of_a_generated_key(h):
    inputs = http_inputs(authKey="")
    res = h.up_new(inputs)
    assert h.preview(res, inputs).changes is False
    h.emu.control.console_edit(HTTP_REGION, {"AuthKey": "Console0Changed"})
    assert h.preview(res, inputs).changes is True


def test_diff_ignores_event_order_and_duplicates(h, mns_res):
    shuffled = [*reversed(EVENTS), EVENTS[0], EVENTS[1]]
    assert h.preview(mns_res, mns_inputs(events=shuffled)).changes is False


@pytest.mark.parametrize(
    "stale",
    [
        {"CallbackURL": "https://stale.example.com/old"},
        {"AuthSwitch": "on", "AuthKey": "Stale0Key1234"},
    ],
)
def test_diff_ignores_live_fields_the_type_does_not_use(h, mns_res, stale):
    h.emu.control.console_edit(MNS_REGION, stale)
    assert h.preview(mns_res, mns_inputs()).changes is False


def test_diff_behaviour_only_change_is_a_change(h, mns_res):
    assert h.preview(mns_res, mns_inputs(onDelete="retain")).changes is True


def test_diff_region_change_replaces(h, mns_res):
    h.make_queue("cn-hangzhou")
    result = h.preview(mns_res, mns_inputs(region="cn-hangzhou"))
    assert (result.changes, list(result.replaces or [])) == (True, ["region"])


# -- update ----------------------------------------------------------------------------------


def test_update_sets_once_when_the_setting_changes(h, mns_res):
    more = [*EVENTS, "MediaConvertComplete"]
    res = h.up(mns_res, mns_inputs(events=more))
    assert h.calls("SetEventCallback") == 1
    assert res.outputs["events"] == sorted(more)
    assert set(h.live(MNS_REGION).events) == set(more)


def test_update_of_behaviour_only_makes_no_set_and_keeps_previous(h):
    h.put(HTTP_REGION, live_http())
    res = h.up_new(http_inputs(adopt=True))
    h.zero()
    res2 = h.up(res, http_inputs(adopt=True, onDelete="retain"))
    assert h.calls("SetEventCallback") == 0
    assert res2.outputs["onDelete"] == "retain"
    assert res2.outputs["previous"] == live_http().to_state()


def test_update_calls_set_only_when_the_live_setting_differs(h, mns_res):
    """update() itself (the engine decided to update): one Get, no Set if live matches."""
    result = h.provider.update(mns_res.id, dict(mns_res.outputs), mns_inputs(onDelete="reset"))
    assert (h.calls("GetEventCallback"), h.calls("SetEventCallback")) == (1, 0)
    assert result.outs["onDelete"] == "reset"


def test_update_repairs_console_drift(h, http_res):
    h.emu.control.console_edit(HTTP_REGION, {"CallbackURL": "https://elsewhere.example.com/x"})
    h.zero()
    h.up(http_res, http_inputs())
    assert h.calls("SetEventCallback") == 1
    assert h.live(HTTP_REGION).url == URL


# -- read (refresh) --------------------------------------------------------------------------


def test_read_reports_live_values_so_drift_is_visible(h, http_res):
    h.emu.control.console_edit(
        HTTP_REGION,
        {"CallbackURL": "https://elsewhere.example.com/x", "EventTypeList": "FileUploadComplete"},
    )
    res = h.refresh(http_res)
    assert res.outputs["url"] == "https://elsewhere.example.com/x"
    assert res.outputs["events"] == ["FileUploadComplete"]
    assert res.outputs["onDelete"] == http_res.outputs["onDelete"]
    assert h.calls("SetEventCallback") == 0
    assert h.preview(res, http_inputs()).changes is True


@pytest.mark.parametrize("kind", ["mns", "http", "http-generated"])
def test_read_in_sync_gives_no_phantom_diff(h, kind):
    if kind == "mns":
        h.make_queue()
        inputs = mns_inputs()
    else:
        inputs = http_inputs(authKey="" if kind == "http-generated" else KEY)
    res = h.up_new(inputs)
    refreshed = h.refresh(res)
    assert refreshed.outputs == res.outputs
    assert h.preview(refreshed, inputs).changes is False


@pytest.mark.parametrize(
    "stale",
    [
        {"CallbackURL": "https://stale.example.com/old"},
        {"AuthSwitch": "on", "AuthKey": "Stale0Key1234"},
    ],
)
def test_read_with_stale_unused_fields_gives_no_phantom_diff(h, mns_res, stale):
    h.emu.control.console_edit(MNS_REGION, stale)
    assert h.preview(mns_res, mns_inputs()).changes is False  # without refresh: no change
    refreshed = h.refresh(mns_res)
    assert h.preview(refreshed, mns_inputs()).changes is False


# -- delete ----------------------------------------------------------------------------------


def test_delete_restore_puts_the_previous_setting_back(h):
    h.make_queue()
    h.put(MNS_REGION, live_http())
    res = h.up_new(mns_inputs(adopt=True))
    assert res.outputs["previous"] == live_http().to_state()
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
    assert res.outputs["previous"] is not None
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


# -- what Pulumi pickles into the state ------------------------------------------------------


def test_configured_provider_pickle_carries_no_secrets(h):
    res = h.up_new(http_inputs(authKey=""))
    payload = pickled(h.provider)
    for secret in (DEFAULT_ACCESS_KEY_SECRET, res.outputs["authKey"]):
        assert secret.encode() not in payload
    assert len(payload) < 256
