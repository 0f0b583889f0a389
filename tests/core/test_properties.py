"""Property tests: load_settings never fails with anything but ConfigError and never
leaks an auth key; event lists and comparisons are order- and duplicate-insensitive."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.core.callback import CallbackSetting
from components.core.compare import compare
from components.core.errors import ConfigError
from components.core.events import (
    EVENT_NAMES,
    normalize_events,
    parse_event_list,
)
from components.core.regions import REGION_IDS
from components.core.stack_config import load_settings

SETTINGS = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

FIELDS = [
    "defaults",
    "regions",
    "grant",
    "delivery",
    "events",
    "url",
    "allowInsecureHttp",
    "auth",
    "enabled",
    "key",
    "secure",
    "queue",
    "name",
    "existing",
    "retentionSeconds",
    "visibilityTimeoutSeconds",
    "pollingWaitSeconds",
    "maxMessageBytes",
    "delaySeconds",
    "logging",
    "tags",
    "adopt",
    "onDelete",
    "on_delete",
    "mode",
    "roleName",
]
WORDS = [
    *sorted(EVENT_NAMES),
    "FileUploaded",
    "mns",
    "http",
    "MNS",
    "https://h.example/cb",
    "http://h/cb",
    "ice-callback-q",
    "restore",
    "attach",
    "skip",
]

leaf = (
    st.none()
    | st.booleans()
    | st.integers(-10, 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(WORDS)
)
key = (
    st.sampled_from(FIELDS + sorted(REGION_IDS) + ["CN-Beijing"])
    | st.text(max_size=8)
    | st.integers()
)
tree = st.recursive(
    leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(key, children, max_size=5),
    max_leaves=25,
)
secret = st.text(string.ascii_letters + string.digits, min_size=8, max_size=40)


valid_key = st.tuples(
    st.just("Ab1"), st.text(string.ascii_letters + string.digits, min_size=5, max_size=29)
)
valid_region = st.fixed_dictionaries(
    {
        "delivery": st.just("http"),
        "events": st.lists(st.sampled_from(sorted(EVENT_NAMES)), min_size=1, max_size=3),
        "url": st.just("https://h.example/cb"),
    },
    optional={"adopt": st.booleans(), "onDelete": st.sampled_from(["restore", "reset"])},
)


@st.composite
def region(draw: st.DrawFn, secrets: list[str]) -> dict[str, Any]:
    """A region that is valid, valid with one field fuzzed, or fuzzed throughout."""
    fields = {
        "delivery": st.sampled_from(["mns", "http", "HTTP", "sqs"]) | leaf,
        "events": st.lists(st.sampled_from(WORDS), max_size=4) | tree,
        "url": st.sampled_from(["https://h.example/cb", "http://h/cb", "ftp://x"]) | leaf,
        "allowInsecureHttp": leaf,
        "queue": st.dictionaries(st.sampled_from(FIELDS), tree, max_size=4) | tree,
        "adopt": leaf,
        "onDelete": leaf,
        "junk": tree,
    }
    out: dict[str, Any] = draw(valid_region)
    mode = draw(st.sampled_from(["valid", "valid", "one", "fuzz"]))
    if mode != "valid":
        count = 1 if mode == "one" else len(fields)
        names = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=count))
        out |= {name: draw(fields[name]) for name in names}
    if draw(st.integers(0, 3)):
        value = "".join(draw(valid_key)) if draw(st.integers(0, 3)) else draw(secret)
        secrets.append(value)
        extra = draw(st.dictionaries(st.sampled_from(["enabled", "x"]), leaf, max_size=1))
        out["auth"] = {"key": value} | (extra if mode != "valid" else {})
    return out


@st.composite
def stack_config(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    secrets: list[str] = []
    region_key = st.sampled_from([*sorted(REGION_IDS), "CN-Shanghai", "cn-qingdao"])
    regions: Any = draw(st.dictionaries(region_key, region(secrets), max_size=3))
    if draw(st.integers(0, 5)) == 0:
        secrets.clear()  # the drawn regions (and their keys) are discarded
        regions = draw(tree)
    callbacks: dict[Any, Any] = {"regions": regions}
    if draw(st.booleans()):
        callbacks["defaults"] = draw(region(secrets))
    if draw(st.integers(0, 3)) == 0:
        callbacks["grant"] = draw(tree)
    if draw(st.integers(0, 3)) == 0:
        callbacks[draw(key)] = draw(tree)
    config: dict[str, Any] = {"ims-callbacks:callbacks": callbacks}
    if draw(st.integers(0, 3)) == 0:
        config["ims:emulator"] = draw(leaf)
    return config, secrets


def _load(config: dict[str, Any]) -> str:
    """Run load_settings; return all text it produced (settings repr, warnings or error)."""
    try:
        result, warnings = load_settings(config, project="p", stack="s")
    except ConfigError as err:
        return str(err) + repr(err.problems)
    return repr(result) + "\n".join(warnings)


@SETTINGS
@given(value=tree, emulator=leaf)
def test_arbitrary_trees_give_settings_or_config_error(value, emulator):
    _load({"ims-callbacks:callbacks": value, "ims:emulator": emulator})


@SETTINGS
@given(data=stack_config())
def test_structured_configs_never_leak_auth_keys(data):
    config, secrets = data
    text = _load(config)
    for value in secrets:
        assert value not in text


@SETTINGS
@given(
    regions=st.dictionaries(st.sampled_from(sorted(REGION_IDS)), valid_region, min_size=1),
    key_parts=valid_key,
)
def test_valid_configs_load_and_keep_keys_secret(regions, key_parts):
    auth_key = "".join(key_parts)
    callbacks = {"regions": {r: v | {"auth": {"key": auth_key}} for r, v in regions.items()}}
    result, warnings = load_settings({"ims-callbacks:callbacks": callbacks}, project="p", stack="s")
    assert [r.region for r in result.regions] == sorted(regions)
    assert all(r.desired().auth_key == auth_key for r in result.regions)
    assert auth_key not in repr(result) + "".join(warnings)
    assert all(auth_key not in repr(r.desired()) for r in result.regions)


@settings(database=None)
@given(names=st.lists(st.sampled_from(sorted(EVENT_NAMES)) | st.text(max_size=6)))
def test_event_lists_normalise(names):
    normal = normalize_events(names)
    assert normal == tuple(sorted(set(normal)))
    assert normalize_events(normal) == normal
    assert normalize_events(reversed(names)) == normal
    if all("," not in n for n in names):
        assert parse_event_list(",".join(names)) == normal


callback_setting = st.builds(
    CallbackSetting,
    callback_type=st.sampled_from(["HTTP", "MNS", None]),
    url=st.sampled_from(["", "https://a", "https://b"]),
    queue_name=st.sampled_from(["", "ice-callback-a"]),
    events=st.lists(st.sampled_from(["A", "B", "C"]), max_size=4).map(tuple),
    auth_enabled=st.booleans(),
    auth_key=st.sampled_from(["", "TestKey001", "TestKey002"]),
)


@settings(database=None)
@given(desired=callback_setting, live=callback_setting)
def test_compare_is_symmetric_in_emptiness_and_ignores_event_order(desired, live):
    reordered = CallbackSetting(
        live.callback_type,
        live.url,
        live.queue_name,
        tuple(reversed(live.events * 2)),
        live.auth_enabled,
        live.auth_key,
    )
    assert compare(desired, live) == compare(desired, reordered)
    assert compare(desired, desired) == ()
    assert all("TestKey00" not in str(d) for d in compare(desired, live))
