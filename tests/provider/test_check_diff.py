"""``check`` and ``diff`` of both resources on plain property maps (no emulator, no API call).

Each call goes through :class:`ImsProvider`, so the dispatch by type token is covered too.
Inputs are shaped the way ``components.pulumi_layer.resources`` registers them; stored state
is either what this provider writes or what the old dynamic providers left (migration).
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from components.core.compare import QUEUE_ATTRIBUTES
from components.core.models import QueueSettings
from components.core.rules import auth_key_problems
from components.provider.event_callback import AUTH_KEY_LENGTH
from components.provider.provider import ImsProvider
from components.pulumi_layer.resources import queue_properties as program_queue_properties
from tests.provider.conftest import (
    CALLBACK_TYPE,
    CALLBACK_URN,
    EVENTS,
    KEY,
    QUEUE,
    QUEUE_TYPE,
    QUEUE_URN,
    http_inputs,
    mns_inputs,
    props,
    run,
    secret_keys,
    unwrap,
    urn,
)

SEED = b"engine-random-seed"
OWNER = "ims-callbacks/test"
DYNAMIC_PROVIDER = "ZGlsbCBwaWNrbGUgb2YgdGhlIG9sZCBwcm92aWRlcg=="  # what `__provider` held
UPDATE = p.PropertyDiffKind.UPDATE
UPDATE_REPLACE = p.PropertyDiffKind.UPDATE_REPLACE


# -- EventCallback: inputs and stored state -----------------------------------------------


def callback_check(
    news: dict[str, Any], olds: dict[str, Any] | None = None, seed: bytes = SEED
) -> p.CheckResponse:
    request = p.CheckRequest(
        CALLBACK_URN, props(olds or {}, ("authKey",)), props(news, ("authKey",)), seed
    )
    return run(ImsProvider().check(request))


def checked(news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    """The checked inputs (plain); the check must pass."""
    result = callback_check(news, olds)
    assert not result.failures, [(f.property, f.reason) for f in result.failures]
    return unwrap(result.inputs)


def state_of(inputs: dict[str, Any], previous: Any = None) -> dict[str, Any]:
    """What create stores as outputs for these (checked) inputs."""
    return checked(inputs) | {"previous": previous}


def dynamic_state(inputs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Outputs the old dynamic provider stored for the same inputs (docs/migration.md)."""
    state = checked(inputs) | {"previous": None, "drift": [], "__provider": DYNAMIC_PROVIDER}
    return state | changes


def callback_diff(olds: dict[str, Any], news: dict[str, Any]) -> p.DiffResponse:
    request = p.DiffRequest(
        CALLBACK_URN,
        str(olds.get("region")),
        props(olds, ("authKey", "previous")),
        props(news, ("authKey",)),
        [],
    )
    return run(ImsProvider().diff(request))


def failures_of(result: p.CheckResponse) -> dict[str, str]:
    return {f.property: f.reason for f in result.failures or []}


# -- EventCallback.check: static failures --------------------------------------------------

SINGLE_FAILURES = {
    "region": (mns_inputs(region="mars-north-1"), "region", "mars-north-1"),
    "callbackType": (mns_inputs(callbackType="SMS"), "callbackType", "SMS"),
    "url": (http_inputs(url="ftp://hooks.example.com/ims"), "url", "url "),
    "url-empty": (http_inputs(url=""), "url", "url "),
    "queueName": (mns_inputs(queueName="my-queue"), "queueName", "ice-callback-"),
    "events": (mns_inputs(events=["FileUploadComplete", "NoSuchEvent"]), "events[1]", "NoSuch"),
    "authKey": (http_inputs(authKey="weakkey1plain"), "authKey", "authKey "),
    "onDelete": (mns_inputs(onDelete="destroy"), "onDelete", "restore, reset, retain"),
}


@pytest.mark.parametrize(("news", "prop", "words"), SINGLE_FAILURES.values(), ids=SINGLE_FAILURES)
def test_callback_check_fails_on_the_property(news, prop, words):
    result = callback_check(news)
    assert list(failures_of(result)) == [prop]
    assert words in failures_of(result)[prop]
    assert result.inputs == props(news, ("authKey",)), "failed inputs are returned as they came"


def test_callback_check_reports_every_static_failure_at_once():
    news = http_inputs(
        region="mars-north-1",
        url="not a url",
        events=["NoSuchEvent", "FileUploadComplete", "AlsoWrong"],
        authKey="short",
        onDelete="destroy",
    )
    failures = failures_of(callback_check(news))
    assert set(failures) == {"region", "url", "events[0]", "events[2]", "authKey", "onDelete"}
    assert "short" not in failures["authKey"], "a failure never repeats the key"


def test_callback_check_judges_the_fields_of_the_type_only():
    # An MNS region's leftover URL and an HTTP region's leftover queue name are not judged.
    assert not callback_check(mns_inputs(url="ftp://stale")).failures
    assert not callback_check(http_inputs(queueName="stale")).failures


# -- EventCallback.check: unknown inputs -----------------------------------------------------

UNKNOWNS = {
    "region": {"region": PropertyValue.computed()},
    "url": {"url": PropertyValue.computed()},
    "events": {"events": PropertyValue.computed()},
    "one-event": {"events": PropertyValue([PropertyValue(EVENTS[0]), PropertyValue.computed()])},
    "authKey": {"authKey": PropertyValue.computed()},
    "adopt": {"adopt": PropertyValue.computed()},
}


@pytest.mark.parametrize("unknown", UNKNOWNS.values(), ids=UNKNOWNS)
def test_callback_check_returns_unknown_inputs_as_they_are(unknown):
    news = props(http_inputs(authKey=None), ("authKey",)) | unknown
    result = run(ImsProvider().check(p.CheckRequest(CALLBACK_URN, {}, news, SEED)))
    assert not result.failures
    assert result.inputs == news  # no defaults, no generated key: judged once known


def test_callback_check_still_judges_the_known_inputs_next_to_an_unknown():
    news = props(mns_inputs(onDelete="destroy")) | {"region": PropertyValue.computed()}
    result = run(ImsProvider().check(p.CheckRequest(CALLBACK_URN, {}, news, SEED)))
    assert list(failures_of(result)) == ["onDelete"]


# -- EventCallback.check: defaults and auth key ------------------------------------------------


def test_callback_check_fills_defaults_and_drops_what_is_not_an_input():
    minimal = {"region": "cn-shanghai", "callbackType": "MNS", "queueName": QUEUE, "events": EVENTS}
    extra = {"previous": None, "drift": ["url: a -> b"], "__provider": DYNAMIC_PROVIDER}
    result = callback_check(minimal | extra)
    assert unwrap(result.inputs) == {
        "region": "cn-shanghai",
        "callbackType": "MNS",
        "url": "",
        "queueName": QUEUE,
        "events": sorted(EVENTS),
        "authEnabled": False,
        "authKey": "",
        "authKeyGenerated": False,
        "adopt": False,
        "onDelete": "restore",
        "checkQueue": False,
    }
    assert secret_keys(result.inputs) == {"authKey"}


def test_callback_check_normalises_events():
    events = [*reversed(EVENTS), EVENTS[0], EVENTS[1]]
    assert checked(mns_inputs(events=events))["events"] == sorted(EVENTS)


def test_callback_check_generates_a_key_from_the_random_seed():
    first = checked(http_inputs(authKey=None))
    key = first["authKey"]
    assert first["authKeyGenerated"] is True
    assert len(key) == AUTH_KEY_LENGTH == 24
    assert auth_key_problems(key) == []
    assert checked(http_inputs(authKey=None))["authKey"] == key, "same seed, same key"
    other = callback_check(http_inputs(authKey=None), seed=b"another-seed")
    assert unwrap(other.inputs)["authKey"] != key
    assert secret_keys(other.inputs) == {"authKey"}


def test_callback_check_generates_a_key_without_a_seed():
    result = callback_check(http_inputs(authKey=None), seed=b"")
    assert auth_key_problems(unwrap(result.inputs)["authKey"]) == []


def test_callback_check_keeps_the_generated_key_of_the_old_inputs():
    olds = checked(http_inputs(authKey=None))
    more = http_inputs(authKey=None, events=[*EVENTS, "MediaConvertComplete"])
    result = callback_check(more, olds, seed=b"a-later-run")
    assert unwrap(result.inputs)["authKey"] == olds["authKey"]
    assert unwrap(result.inputs)["authKeyGenerated"] is True


def test_callback_check_keeps_the_key_the_dynamic_provider_generated():
    # Old dynamic inputs: the generated key, authKeyGenerated, drift and __provider.
    olds = checked(http_inputs(authKey=None), {}) | {"authKey": "Dynamic0Generated0Key12"}
    olds |= {"drift": [], "__provider": DYNAMIC_PROVIDER}
    result = unwrap(callback_check(http_inputs(authKey=None), olds).inputs)
    assert (result["authKey"], result["authKeyGenerated"]) == ("Dynamic0Generated0Key12", True)
    assert "__provider" not in result
    assert "drift" not in result


def test_callback_check_configured_key_wins_over_a_generated_one():
    olds = checked(http_inputs(authKey=None))
    result = unwrap(callback_check(http_inputs(authKey=KEY), olds).inputs)
    assert (result["authKey"], result["authKeyGenerated"]) == (KEY, False)


def test_callback_check_generates_a_new_key_when_the_old_one_was_configured():
    olds = checked(http_inputs(authKey=KEY))
    result = unwrap(callback_check(http_inputs(authKey=None), olds).inputs)
    assert result["authKey"] not in ("", KEY)
    assert result["authKeyGenerated"] is True


@pytest.mark.parametrize(
    "news",
    [http_inputs(authEnabled=False), http_inputs(authEnabled=False, authKey=None), mns_inputs()],
    ids=["http-auth-off-with-key", "http-auth-off", "mns"],
)
def test_callback_check_without_auth_has_no_key(news):
    result = unwrap(callback_check(news).inputs)
    assert (result["authKey"], result["authKeyGenerated"]) == ("", False)


def test_callback_checked_inputs_never_carry_a_plaintext_key():
    """Inputs are stored unencrypted except authKey: no other field may hold a key."""
    for news in (http_inputs(), http_inputs(authKey=None)):
        result = callback_check(news)
        key = unwrap(result.inputs)["authKey"]
        rest = {k: v for k, v in (result.inputs or {}).items() if k != "authKey"}
        assert key not in repr(rest)
        assert (result.inputs or {})["authKey"].is_secret


# -- EventCallback.diff ----------------------------------------------------------------------

CHANGES = {
    "url": (http_inputs(), {"url": "https://elsewhere.example.com/ims"}, ["url"]),
    "event-added": (mns_inputs(), {"events": [*EVENTS, "MediaConvertComplete"]}, ["events"]),
    "event-removed": (mns_inputs(), {"events": EVENTS[:1]}, ["events"]),
    "events-reordered": (mns_inputs(), {"events": [*reversed(EVENTS), *EVENTS]}, []),
    "authKey": (http_inputs(), {"authKey": "Rotated0Key77"}, ["authKey"]),
    "authEnabled": (http_inputs(), {"authEnabled": False}, ["authEnabled"]),
    "callbackType": (
        http_inputs(),
        {"callbackType": "MNS", "queueName": QUEUE},
        ["callbackType", "queueName"],
    ),
    "queueName": (mns_inputs(), {"queueName": "ice-callback-other"}, ["queueName"]),
    "adopt": (mns_inputs(), {"adopt": True}, ["adopt"]),
    "onDelete": (mns_inputs(), {"onDelete": "retain"}, ["onDelete"]),
    "checkQueue": (mns_inputs(), {"checkQueue": True}, ["checkQueue"]),
    "nothing": (http_inputs(), {}, []),
}


@pytest.mark.parametrize(("base", "change", "fields"), CHANGES.values(), ids=CHANGES)
def test_callback_diff_is_detailed_per_field(base, change, fields):
    result = callback_diff(state_of(base), checked(base | change))
    assert result.changes is bool(fields)
    assert result.diffs == fields
    assert {k: v.kind for k, v in result.detailed_diff.items()} == dict.fromkeys(fields, UPDATE)
    assert (result.replaces, result.stables) == ([], ["region"])
    assert result.delete_before_replace is False


def test_callback_diff_region_change_replaces_deleting_first():
    result = callback_diff(state_of(mns_inputs()), checked(mns_inputs(region="cn-hangzhou")))
    assert (result.changes, result.replaces) == (True, ["region"])
    assert result.delete_before_replace is True  # one setting per region: never two at once
    assert result.detailed_diff["region"].kind == UPDATE_REPLACE


def test_callback_diff_unknown_region_replaces():
    news = props(checked(mns_inputs())) | {"region": PropertyValue.computed()}
    olds = props(state_of(mns_inputs()))
    result = run(ImsProvider().diff(p.DiffRequest(CALLBACK_URN, "cn-shanghai", olds, news, [])))
    assert (result.changes, result.replaces) == (True, ["region"])


def test_callback_diff_with_unknown_inputs_does_not_decide():
    news = props(checked(mns_inputs())) | {
        "events": PropertyValue([PropertyValue(EVENTS[0]), PropertyValue.computed()])
    }
    olds = props(state_of(mns_inputs()))
    result = run(ImsProvider().diff(p.DiffRequest(CALLBACK_URN, "cn-shanghai", olds, news, [])))
    assert result.changes is None
    assert result.stables == ["region"]


STALE = {
    "mns-with-url": (mns_inputs(), {"url": "https://stale.example.com/old"}),
    "mns-with-auth": (mns_inputs(), {"authEnabled": True, "authKey": "Stale0Key1234"}),
    "http-with-queue": (http_inputs(), {"queueName": "ice-callback-stale"}),
    "http-auth-off-with-key": (http_inputs(authEnabled=False), {"authKey": "Stale0Key1234"}),
}


@pytest.mark.parametrize(("inputs", "stale"), STALE.values(), ids=STALE)
def test_callback_diff_ignores_stored_fields_the_type_does_not_use(inputs, stale):
    assert callback_diff(state_of(inputs) | stale, checked(inputs)).changes is False


def test_callback_diff_ignores_the_recorded_previous_setting():
    previous = {"callbackType": "HTTP", "url": "https://before.example.com", "events": EVENTS}
    assert callback_diff(state_of(mns_inputs(), previous), checked(mns_inputs())).changes is False


MIGRATED = {
    "mns": mns_inputs(),
    "http-configured-key": http_inputs(),
    "http-adopted-retained": http_inputs(adopt=True, onDelete="retain"),
    "mns-existing-queue": mns_inputs(checkQueue=True, onDelete="reset"),
}


@pytest.mark.parametrize("inputs", MIGRATED.values(), ids=MIGRATED)
def test_callback_diff_of_the_dynamic_state_with_the_same_values_is_no_change(inputs):
    olds = dynamic_state(inputs)
    assert {"__provider", "drift", "checkQueue", "previous", "authKeyGenerated"} <= set(olds)
    result = callback_diff(olds, checked(inputs, olds))
    assert (result.changes, result.diffs, result.replaces) == (False, [], [])


def test_callback_diff_of_the_dynamic_state_with_a_generated_key_is_no_change():
    key = "Dynamic0Generated0Key12"
    old_inputs = checked(http_inputs(authKey=None)) | {"authKey": key, "drift": []}
    olds = dynamic_state(http_inputs(), authKey=key, authKeyGenerated=True)
    news = checked(http_inputs(authKey=None), old_inputs | {"__provider": DYNAMIC_PROVIDER})
    assert news["authKey"] == key
    assert callback_diff(olds, news).changes is False


def test_callback_diff_of_the_dynamic_state_shows_a_real_difference():
    olds = dynamic_state(mns_inputs(), drift=["events: A -> B"])  # its drift is not ours
    result = callback_diff(olds, checked(mns_inputs(onDelete="reset")))
    assert result.diffs == ["onDelete"]


# -- CallbackQueue ---------------------------------------------------------------------------

SETTINGS = QueueSettings(
    name=QUEUE,
    existing=False,
    retention_seconds=86400,
    visibility_timeout_seconds=60,
    polling_wait_seconds=10,
    max_message_bytes=32768,
    delay_seconds=5,
    logging=True,
    tags=(("env", "test"), ("team", "media")),
)
OTHER_ATTRIBUTES = {
    "retentionSeconds": 604800,
    "visibilityTimeoutSeconds": 120,
    "pollingWaitSeconds": 30,
    "maxMessageBytes": 1024,
    "delaySeconds": 0,
    "logging": False,
}


def queue_inputs(**changes: Any) -> dict[str, Any]:
    """What ``CallbackQueue`` registers for SETTINGS in cn-shanghai."""
    return program_queue_properties("cn-shanghai", SETTINGS, OWNER) | changes


def queue_check(news: dict[str, Any], olds: dict[str, Any] | None = None) -> p.CheckResponse:
    request = p.CheckRequest(QUEUE_URN, props(olds or {}), props(news), SEED)
    return run(ImsProvider().check(request))


def queue_diff(olds: dict[str, Any], news: dict[str, Any]) -> p.DiffResponse:
    request = p.DiffRequest(
        QUEUE_URN, f"{olds['region']}/{olds['queueName']}", props(olds), props(news), []
    )
    return run(ImsProvider().diff(request))


def test_queue_check_passes_the_program_inputs_unchanged():
    result = queue_check(queue_inputs())
    assert not result.failures
    assert unwrap(result.inputs) == queue_inputs()


def test_queue_check_fills_the_default_attributes():
    result = queue_check({"region": "cn-shanghai", "queueName": QUEUE})
    assert not result.failures
    assert unwrap(result.inputs) == {
        "region": "cn-shanghai",
        "queueName": QUEUE,
        "owner": "",
        "retentionSeconds": 345600,
        "visibilityTimeoutSeconds": 30,
        "pollingWaitSeconds": 0,
        "maxMessageBytes": 65536,
        "delaySeconds": 0,
        "logging": False,
        "tags": {},
    }


def test_queue_check_drops_the_dynamic_provider_reference():
    result = queue_check(queue_inputs(__provider=DYNAMIC_PROVIDER))
    assert unwrap(result.inputs) == queue_inputs()


def test_queue_check_unknown_region_fails_on_region():
    result = queue_check(queue_inputs(region="xx-nowhere-1"))
    assert [(f.property, f.reason) for f in result.failures or []] == [
        ("region", "unknown IMS region 'xx-nowhere-1'")
    ]


BOUNDS = {
    "retentionSeconds": 59,
    "visibilityTimeoutSeconds": 0,
    "pollingWaitSeconds": 31,
    "maxMessageBytes": 10,
    "delaySeconds": 604801,
}


@pytest.mark.parametrize(("prop", "value"), BOUNDS.items(), ids=BOUNDS)
def test_queue_check_refuses_an_attribute_out_of_bounds(prop, value):
    failures = failures_of(queue_check(queue_inputs(**{prop: value})))
    assert list(failures) == [prop]
    assert f"got {value}" in failures[prop]


def test_queue_check_reports_every_attribute_out_of_bounds_at_once():
    failures = failures_of(queue_check(queue_inputs(**BOUNDS, queueName="not-ours")))
    assert set(failures) == {*BOUNDS, "queueName"}
    assert "ice-callback-" in failures["queueName"]


UNKNOWN_QUEUE_INPUTS = {
    "retentionSeconds": {"retentionSeconds": PropertyValue.computed()},
    "queueName": {"queueName": PropertyValue.computed()},
    "a-tag": {"tags": PropertyValue({"team": PropertyValue.computed()})},
}


@pytest.mark.parametrize("unknown", UNKNOWN_QUEUE_INPUTS.values(), ids=UNKNOWN_QUEUE_INPUTS)
def test_queue_check_returns_unknown_inputs_as_they_are(unknown):
    news = props(queue_inputs()) | unknown
    result = run(ImsProvider().check(p.CheckRequest(QUEUE_URN, {}, news, SEED)))
    assert not result.failures
    assert result.inputs == news


TAG_CHANGES = {
    "value-changed": {"env": "prod", "team": "media"},
    "tag-removed": {"env": "test"},
    "tag-added": {"env": "test", "team": "media", "cost": "42"},
    "all-removed": {},
}


@pytest.mark.parametrize("new_tags", TAG_CHANGES.values(), ids=TAG_CHANGES)
def test_queue_check_refuses_a_tag_change_on_the_same_queue(new_tags):
    result = queue_check(queue_inputs(tags=new_tags, retentionSeconds=600), queue_inputs())
    assert [f.property for f in result.failures or []] == ["tags"]
    reason = failures_of(result)["tags"]
    assert f"MNS queue '{QUEUE}' in cn-shanghai cannot change" in reason
    assert "put back tags {'env': 'test', 'team': 'media'}" in reason  # way out 1
    assert "give the queue a new name" in reason  # way out 2


def test_queue_check_refuses_adding_tags_to_a_queue_created_without():
    result = queue_check(queue_inputs(), queue_inputs(tags={}))
    assert [f.property for f in result.failures or []] == ["tags"]
    assert "put back tags {}" in failures_of(result)["tags"]


def test_queue_check_refuses_a_tag_change_against_the_dynamic_inputs():
    result = queue_check(queue_inputs(tags={}), queue_inputs(__provider=DYNAMIC_PROVIDER))
    assert [f.property for f in result.failures or []] == ["tags"]


@pytest.mark.parametrize(
    "move",
    [{"queueName": "ice-callback-renamed"}, {"region": "cn-beijing"}],
    ids=["renamed", "other-region"],
)
def test_queue_check_allows_a_tag_change_with_a_new_queue(move):
    news = queue_inputs(tags={"env": "prod"}, **move)
    result = queue_check(news, queue_inputs())
    assert not result.failures
    assert unwrap(result.inputs) == news


def test_queue_check_allows_attribute_changes_and_reordered_tags():
    news = queue_inputs(tags={"team": "media", "env": "test"}, **OTHER_ATTRIBUTES)
    assert not queue_check(news, queue_inputs()).failures


def test_queue_check_reports_region_and_tags_together():
    olds = queue_inputs(region="xx-nowhere-1")
    result = queue_check(queue_inputs(region="xx-nowhere-1", tags={}), olds)
    assert sorted(f.property for f in result.failures or []) == ["region", "tags"]


def test_queue_diff_without_change_has_no_changes():
    result = queue_diff(queue_inputs(), queue_inputs())
    assert (result.changes, result.replaces, result.diffs) == (False, [], [])
    assert result.stables == ["region", "queueName"]


def test_queue_diff_of_the_dynamic_state_is_no_change():
    assert queue_diff(queue_inputs(__provider=DYNAMIC_PROVIDER), queue_inputs()).changes is False


def test_queue_diff_ignores_float_numbers_from_the_engine():
    olds = props(queue_inputs()) | {"retentionSeconds": PropertyValue(86400.0)}
    news = props(queue_inputs())
    request = p.DiffRequest(QUEUE_URN, f"cn-shanghai/{QUEUE}", olds, news, [])
    assert run(ImsProvider().diff(request)).changes is False


@pytest.mark.parametrize("prop", sorted(QUEUE_ATTRIBUTES))
def test_queue_diff_attribute_change_is_an_update(prop):
    result = queue_diff(queue_inputs(), queue_inputs(**{prop: OTHER_ATTRIBUTES[prop]}))
    assert (result.changes, result.replaces, result.diffs) == (True, [], [prop])
    assert result.detailed_diff[prop].kind == UPDATE
    assert result.stables == ["region", "queueName"]
    assert result.delete_before_replace is False


@pytest.mark.parametrize(
    ("prop", "value"),
    [("queueName", "ice-callback-renamed"), ("region", "cn-beijing")],
    ids=["rename", "region"],
)
def test_queue_diff_name_or_region_change_replaces(prop, value):
    result = queue_diff(queue_inputs(), queue_inputs(**{prop: value}))
    assert (result.changes, result.replaces, result.stables) == (True, [prop], [])
    assert result.detailed_diff[prop].kind == UPDATE_REPLACE
    assert result.delete_before_replace is False  # create the new queue first


def test_queue_diff_rename_with_attribute_change_replaces_only_the_name():
    result = queue_diff(
        queue_inputs(), queue_inputs(queueName="ice-callback-x", retentionSeconds=600)
    )
    assert (result.changes, result.replaces) == (True, ["queueName"])
    assert set(result.diffs) == {"queueName", "retentionSeconds"}


# -- dispatch ----------------------------------------------------------------------------------


def test_a_type_the_provider_does_not_have_is_an_error_naming_the_types():
    request = p.CheckRequest(urn("ims:index:Nope", "x"), {}, {}, SEED)
    with pytest.raises(Exception, match="no resource 'ims:index:Nope'") as caught:
        run(ImsProvider().check(request))
    assert CALLBACK_TYPE in str(caught.value)
    assert QUEUE_TYPE in str(caught.value)
