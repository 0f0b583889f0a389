from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from components.core.callback import CallbackSetting
from components.core.errors import ConfigError
from components.core.fields import describe
from components.core.models import GrantSettings
from components.core.rules import MAX_DEPTH
from components.core.stack_config import load_settings, program_settings

EVENTS = ["FileUploadComplete"]
URL = "https://hooks.example.com/ims"
KEY = "SecretKey0042"
MNS: dict[str, Any] = {"delivery": "mns", "events": EVENTS}
HTTP: dict[str, Any] = {"delivery": "http", "events": EVENTS, "url": URL}
REGIONS = (
    "ap-southeast-1, cn-beijing, cn-hangzhou, cn-shanghai, cn-shenzhen, eu-central-1, "
    "me-east-1, us-west-1"
)
FLAG_FIX = "; write true or false, unquoted"
EXAMPLE = "{regions: {cn-shanghai: {delivery: mns, events: [FileUploadComplete]}}}"


def config(callbacks: object, **extra: object) -> dict[str, object]:
    """The config: ``emulator`` is the ims provider's key, the rest are ``ims-callbacks:``."""
    return {"ims-callbacks:callbacks": callbacks} | {
        f"{'ims' if k == 'emulator' else 'ims-callbacks'}:{k}": v for k, v in extra.items()
    }


def load(callbacks: object, **extra: object):
    return load_settings(config(callbacks, **extra), project="media", stack="prod")


def problems(callbacks: object, **extra: object) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        load(callbacks, **extra)
    return [(p.path, p.message) for p in info.value.problems]


def one_region(region: str = "cn-shanghai", **fields: object) -> dict[str, object]:
    return {"regions": {region: fields}}


# --- valid configurations -------------------------------------------------------------


def test_mns_region_defaults():
    settings, warnings = load(one_region(**MNS))
    assert warnings == ()
    assert settings.emulator is None
    assert settings.grant == GrantSettings(mode="attach", role_name="AliyunICEDefaultRole")
    (region,) = settings.regions
    assert region.region == "cn-shanghai"
    assert region.delivery == "mns"
    assert region.url is None
    assert (region.auth_enabled, region.auth_key, region.auth_key_encrypted) == (False, None, False)
    assert (region.adopt, region.on_delete) == (False, "restore")
    assert region.queue is not None
    assert dataclasses.asdict(region.queue) == {
        "name": "ice-callback-media-prod-cn-shanghai",
        "existing": False,
        "retention_seconds": 345600,
        "visibility_timeout_seconds": 30,
        "polling_wait_seconds": 0,
        "max_message_bytes": 65536,
        "delay_seconds": 0,
        "logging": False,
        "tags": (),
    }
    assert region.desired() == CallbackSetting(
        "MNS", queue_name="ice-callback-media-prod-cn-shanghai", events=tuple(EVENTS)
    )


def test_mns_queue_fields():
    queue = {
        "name": "ice-callback-prod",
        "existing": True,
        "retentionSeconds": 604800,
        "visibilityTimeoutSeconds": "60",
        "pollingWaitSeconds": 30,
        "maxMessageBytes": 1024,
        "logging": True,
        "tags": {"team": "media"},
    }
    settings, _ = load(one_region(**MNS, queue=queue, adopt=True, onDelete="RETAIN"))
    region = settings.regions[0]
    assert region.queue is not None
    assert region.queue.name == "ice-callback-prod"
    assert region.queue.existing is True
    assert region.queue.visibility_timeout_seconds == 60
    assert dict(region.queue.tags) == {"team": "media"}
    assert (region.adopt, region.on_delete) == (True, "retain")


def test_http_region_generated_key():
    settings, warnings = load(one_region("cn-beijing", **HTTP))
    assert warnings == ()
    region = settings.regions[0]
    assert (region.url, region.queue, region.auth_enabled) == (URL, None, True)
    assert region.auth_key is None
    assert region.desired() == CallbackSetting(
        "HTTP", url=URL, events=tuple(EVENTS), auth_enabled=True
    )
    assert region.desired(auth_key="Generated123").auth_key == "Generated123"


def test_http_region_configured_key():
    settings, _ = load(one_region("cn-beijing", **HTTP, auth={"key": KEY}))
    region = settings.regions[0]
    assert region.auth_key is not None
    assert region.auth_key.get_secret_value() == KEY
    assert region.desired().auth_key == KEY
    assert region.desired(auth_key="Override123").auth_key == "Override123"
    assert KEY not in repr(settings)


def test_http_region_encrypted_key():
    settings, _ = load(one_region("cn-beijing", **HTTP, auth={"key": {"secure": "v1:abc"}}))
    region = settings.regions[0]
    assert (region.auth_key, region.auth_key_encrypted, region.auth_enabled) == (None, True, True)
    assert region.desired().auth_key == ""


def test_http_auth_disabled():
    settings, warnings = load(one_region("cn-beijing", **HTTP, auth={"enabled": False}))
    region = settings.regions[0]
    assert region.auth_enabled is False
    assert region.desired() == CallbackSetting("HTTP", url=URL, events=tuple(EVENTS))
    assert warnings == ()


def test_regions_sorted_and_grant_and_emulator():
    settings, _ = load(
        {
            "regions": {"cn-shanghai": MNS, "cn-beijing": HTTP, "ap-southeast-1": MNS},
            "grant": {"mode": "create-role", "roleName": "ims-callbacks.role"},
        },
        emulator="http://localhost:18100/",
    )
    assert [r.region for r in settings.regions] == ["ap-southeast-1", "cn-beijing", "cn-shanghai"]
    assert settings.grant == GrantSettings(mode="create-role", role_name="ims-callbacks.role")
    assert settings.emulator == "http://localhost:18100"


def test_json_string_and_other_namespaces():
    cfg = {
        "ims-callbacks:callbacks": json.dumps(one_region(**MNS)),
        "aws:region": "us-east-1",
        "alicloud:region": {"weird": True},
        "ims:emulator": "",
    }
    settings, _ = load_settings(cfg, project="p", stack="s")
    assert [r.region for r in settings.regions] == ["cn-shanghai"]
    assert settings.emulator is None


def test_case_insensitive_region_and_delivery():
    settings, _ = load({"regions": {"CN-Shanghai": MNS | {"delivery": " MNS "}}})
    assert settings.regions[0].region == "cn-shanghai"
    assert settings.regions[0].delivery == "mns"


def test_snake_case_names_accepted():
    settings, _ = load(one_region(**MNS, on_delete="reset", queue={"retention_seconds": 60}))
    region = settings.regions[0]
    assert region.on_delete == "reset"
    assert region.queue is not None
    assert region.queue.retention_seconds == 60


@pytest.mark.parametrize(
    "events",
    [
        ["ProduceMediaComplete", "FileUploadComplete"],
        ["FileUploadComplete", "ProduceMediaComplete", "FileUploadComplete"],
        ("ProduceMediaComplete", "FileUploadComplete", "ProduceMediaComplete"),
    ],
)
def test_event_order_and_duplicates_never_matter(events):
    settings, _ = load(one_region(delivery="mns", events=events))
    assert settings.regions[0].events == ("FileUploadComplete", "ProduceMediaComplete")


def test_settings_are_frozen():
    settings, _ = load(one_region(**MNS))
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.regions[0].adopt = True
    with pytest.raises(ValueError, match="frozen"):
        settings.grant.mode = "skip"


# --- defaults merge -------------------------------------------------------------------


def test_defaults_fill_and_region_wins():
    settings, _ = load(
        {
            "defaults": {
                "events": ["ProduceMediaComplete"],
                "onDelete": "reset",
                "adopt": True,
                "queue": {"retentionSeconds": 604800, "tags": {"team": "media", "env": "x"}},
            },
            "regions": {
                "cn-shanghai": {"delivery": "mns", "queue": {"tags": {"env": "prod"}}},
                "cn-beijing": {"delivery": "mns", "events": EVENTS, "onDelete": "retain"},
            },
        }
    )
    beijing, shanghai = settings.regions
    assert shanghai.events == ("ProduceMediaComplete",)
    assert beijing.events == ("FileUploadComplete",)  # lists are replaced, not merged
    assert (shanghai.on_delete, beijing.on_delete) == ("reset", "retain")
    assert shanghai.adopt
    assert beijing.adopt
    assert shanghai.queue is not None
    assert beijing.queue is not None
    assert shanghai.queue.retention_seconds == beijing.queue.retention_seconds == 604800
    assert dict(shanghai.queue.tags) == {"env": "prod", "team": "media"}
    assert dict(beijing.queue.tags) == {"env": "x", "team": "media"}


def test_delivery_specific_defaults_apply_only_to_matching_regions():
    settings, _ = load(
        {
            "defaults": {
                "events": EVENTS,
                "url": URL,
                "auth": {"key": KEY},
                "queue": {"retentionSeconds": 60},
            },
            "regions": {"cn-shanghai": {"delivery": "mns"}, "cn-beijing": {"delivery": "http"}},
        }
    )
    beijing, shanghai = settings.regions
    assert beijing.url == URL
    assert beijing.auth_key is not None
    assert beijing.auth_key.get_secret_value() == KEY
    assert shanghai.queue is not None
    assert shanghai.queue.retention_seconds == 60
    assert shanghai.auth_key is None


def test_delivery_from_defaults():
    settings, _ = load(
        {"defaults": {"delivery": "mns", "events": EVENTS}, "regions": {"cn-beijing": {}}}
    )
    assert settings.regions[0].delivery == "mns"


def test_problem_in_defaults_reported_once_at_defaults_path():
    got = problems(
        {
            "defaults": {"events": ["FileUploaded"], "queue": {"retentionSeconds": 5}},
            "regions": {"cn-shanghai": {"delivery": "mns"}, "cn-beijing": {"delivery": "mns"}},
        }
    )
    assert got == [
        (
            "callbacks.defaults.events[0]",
            "unknown event 'FileUploaded'; did you mean 'FileUploadComplete'? "
            "(names are case-sensitive; the list is in components/core/events.py)",
        ),
        (
            "callbacks.defaults.queue.retentionSeconds",
            "must be a whole number of seconds from 60 to 604800 (got 5)",
        ),
    ]


def test_region_override_hides_bad_default_only_where_overridden():
    got = problems(
        {
            "defaults": {"events": ["Bogus"]},
            "regions": {"cn-shanghai": MNS, "cn-beijing": {"delivery": "mns"}},
        }
    )
    assert [path for path, _ in got] == ["callbacks.defaults.events[0]"]


# --- one rule, one problem ------------------------------------------------------------

KEY_SHAPE = (
    "must be a secret string (`pulumi config set --secret --path "
    "'ims-callbacks:callbacks.regions.<region>.auth.key' <key>`), or omitted to have a key "
    "generated"
)
UNKNOWN = "is not a known setting; did you mean {!r}? (valid here: {})"
REGION_KEYS = "adopt, allowInsecureHttp, auth, delivery, events, onDelete, queue, url"
QUEUE_KEYS = (
    "delaySeconds, existing, logging, maxMessageBytes, name, pollingWaitSeconds, "
    "retentionSeconds, tags, visibilityTimeoutSeconds"
)
NOT_MAPPING = (
    "must be a mapping of settings, e.g. {{delivery: mns, events: [FileUploadComplete]}} {}"
)
DEPRECATED = (
    "{} is deprecated: offline since 2025-12-31; use MediaConvertComplete (or "
    "MediaConvertOutputGroupComplete / MediaConvertOutputComplete) instead"
)
HTTP_ONLY = "is only for delivery: http; remove it here"
BAD_KEY = (
    "must be 8 to 32 characters of A-Z, a-z and 0-9 with at least one upper-case letter, "
    "one lower-case letter and one digit ({}); fix it with `pulumi config set --secret "
    "--path ...`, or remove it to have a key generated"
)

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # (id, region fields, path under callbacks.regions.<region>, message)
    (
        "delivery missing",
        {"events": EVENTS},
        "delivery",
        "is required; set delivery: mns or delivery: http",
    ),
    (
        "delivery unknown",
        {**MNS, "delivery": "sqs"},
        "delivery",
        "must be one of mns, http (got 'sqs')",
    ),
    ("delivery wrong type", {**MNS, "delivery": 3}, "delivery", "must be one of mns, http (got 3)"),
    (
        "events missing",
        {"delivery": "mns"},
        "events",
        "is required; list at least one event here or in callbacks.defaults.events, "
        "e.g. events: [FileUploadComplete]",
    ),
    (
        "events empty",
        {**MNS, "events": []},
        "events",
        "must list at least one event, e.g. [FileUploadComplete]",
    ),
    (
        "events not a list",
        {**MNS, "events": "FileUploadComplete"},
        "events",
        "must be a list, e.g. [FileUploadComplete, ProduceMediaComplete]",
    ),
    (
        "event not a string",
        {**MNS, "events": [1]},
        "events[0]",
        "must be a string; quote the value in YAML",
    ),
    (
        "event unknown",
        {**MNS, "events": ["FileUploadComplete", "FileUploaded"]},
        "events[1]",
        "unknown event 'FileUploaded'; did you mean 'FileUploadComplete'? "
        "(names are case-sensitive; the list is in components/core/events.py)",
    ),
    (
        "url missing",
        {"delivery": "http", "events": EVENTS},
        "url",
        "is required for delivery: http; set the https:// URL IMS should call",
    ),
    (
        "url null",
        {**HTTP, "url": None},
        "url",
        "is required for delivery: http; set the https:// URL IMS should call",
    ),
    (
        "url too long",
        {**HTTP, "url": "https://h/" + "x" * 290},
        "url",
        "must be an https:// URL of at most 256 bytes (got 300 bytes)",
    ),
    (
        "url http",
        {**HTTP, "url": "http://h/cb"},
        "url",
        "uses http://, which IMS accepts but delivers callbacks unencrypted; use https://, "
        "or set allowInsecureHttp: true to accept the risk",
    ),
    (
        "url userinfo",
        {**HTTP, "url": "https://a:b@h/cb"},
        "url",
        "must not contain user:password@ credentials; use auth.key to authenticate instead",
    ),
    (
        "url newline",
        {**HTTP, "url": "https://h/cb\n"},
        "url",
        "must not contain spaces, newlines or control characters; remove them",
    ),
    (
        "url not ascii",
        {**HTTP, "url": "https://h/ü"},
        "url",
        "must be ASCII only; percent-encode the path and use the punycode (xn--) host name",
    ),
    (
        "url no host",
        {**HTTP, "url": "https://"},
        "url",
        "must include a host name, e.g. https://hooks.example.com/ims",
    ),
    ("url not string", {**HTTP, "url": 5}, "url", "must be a string; quote the value in YAML"),
    ("url on mns", {**MNS, "url": URL}, "url", HTTP_ONLY),
    ("auth on mns", {**MNS, "auth": {"enabled": False}}, "auth", HTTP_ONLY),
    (
        "allowInsecureHttp on mns",
        {**MNS, "allowInsecureHttp": True},
        "allowInsecureHttp",
        HTTP_ONLY,
    ),
    ("queue on http", {**HTTP, "queue": {}}, "queue", "is only for delivery: mns; remove it here"),
    ("auth not mapping", {**HTTP, "auth": "on"}, "auth", "must be a mapping of settings"),
    (
        "auth enabled not bool",
        {**HTTP, "auth": {"enabled": "maybe"}},
        "auth.enabled",
        f"must be true or false (got 'maybe'){FLAG_FIX}",
    ),
    (
        "auth unknown key",
        {**HTTP, "auth": {"secret": "x"}},
        "auth.secret",
        "is not a known setting (valid here: enabled, key)",
    ),
    (
        "key too short",
        {**HTTP, "auth": {"key": "Ab1"}},
        "auth.key",
        BAD_KEY.format("it has 3 characters"),
    ),
    (
        "key too long",
        {**HTTP, "auth": {"key": "Ab1" + "c" * 30}},
        "auth.key",
        BAD_KEY.format("it has 33 characters"),
    ),
    (
        "key charset",
        {**HTTP, "auth": {"key": "Secret-Key-01"}},
        "auth.key",
        BAD_KEY.format("it contains characters other than A-Z, a-z and 0-9"),
    ),
    (
        "key no upper",
        {**HTTP, "auth": {"key": "secretkey01"}},
        "auth.key",
        BAD_KEY.format("it lacks an upper-case letter"),
    ),
    (
        "key no lower",
        {**HTTP, "auth": {"key": "SECRETKEY01"}},
        "auth.key",
        BAD_KEY.format("it lacks a lower-case letter"),
    ),
    (
        "key no digit",
        {**HTTP, "auth": {"key": "SecretKeyOne"}},
        "auth.key",
        BAD_KEY.format("it lacks a digit"),
    ),
    (
        "key wrong shape",
        {**HTTP, "auth": {"key": {"secure": "x", "extra": 1}}},
        "auth.key",
        KEY_SHAPE,
    ),
    (
        "key number",
        {**HTTP, "auth": {"key": 12345678}},
        "auth.key",
        KEY_SHAPE,
    ),
    (
        "queue not mapping",
        {**MNS, "queue": "ice-callback-x"},
        "queue",
        "must be a mapping of settings",
    ),
    (
        "queue name prefix",
        {**MNS, "queue": {"name": "callbacks"}},
        "queue.name",
        "must start with 'ice-callback-' (an IMS requirement), e.g. ice-callback-prod",
    ),
    (
        "queue name long",
        {**MNS, "queue": {"name": "ice-callback-" + "x" * 108}},
        "queue.name",
        "must be at most 120 characters (got 121); shorten it",
    ),
    (
        "queue name chars",
        {**MNS, "queue": {"name": "ice-callback-a.b"}},
        "queue.name",
        "may contain only A-Z, a-z, 0-9 and '-'; replace the other characters",
    ),
    (
        "queue existing without name",
        {**MNS, "queue": {"existing": True}},
        "queue.name",
        "is required when queue.existing is true",
    ),
    (
        "retention low",
        {**MNS, "queue": {"retentionSeconds": 59}},
        "queue.retentionSeconds",
        "must be a whole number of seconds from 60 to 604800 (got 59)",
    ),
    (
        "retention high",
        {**MNS, "queue": {"retentionSeconds": 604801}},
        "queue.retentionSeconds",
        "must be a whole number of seconds from 60 to 604800 (got 604801)",
    ),
    (
        "visibility",
        {**MNS, "queue": {"visibilityTimeoutSeconds": 0}},
        "queue.visibilityTimeoutSeconds",
        "must be a whole number of seconds from 1 to 43200 (got 0)",
    ),
    (
        "polling",
        {**MNS, "queue": {"pollingWaitSeconds": 31}},
        "queue.pollingWaitSeconds",
        "must be a whole number of seconds from 0 to 30 (got 31)",
    ),
    (
        "message bytes",
        {**MNS, "queue": {"maxMessageBytes": 1023}},
        "queue.maxMessageBytes",
        "must be a whole number of bytes from 1024 to 65536 (got 1023)",
    ),
    (
        "delay",
        {**MNS, "queue": {"delaySeconds": -1}},
        "queue.delaySeconds",
        "must be a whole number of seconds from 0 to 604800 (got -1)",
    ),
    (
        "int as bool",
        {**MNS, "queue": {"pollingWaitSeconds": True}},
        "queue.pollingWaitSeconds",
        "must be a whole number of seconds from 0 to 30 (got True)",
    ),
    (
        "int as float",
        {**MNS, "queue": {"pollingWaitSeconds": 1.5}},
        "queue.pollingWaitSeconds",
        "must be a whole number of seconds from 0 to 30 (got 1.5)",
    ),
    (
        "logging not bool",
        {**MNS, "queue": {"logging": []}},
        "queue.logging",
        f"must be true or false (got a list){FLAG_FIX}",
    ),
    (
        "tags not mapping",
        {**MNS, "queue": {"tags": ["a"]}},
        "queue.tags",
        "must be a mapping of tag key to value, e.g. {team: media} (got a list)",
    ),
    (
        "tag value number",
        {**MNS, "queue": {"tags": {"v": 2}}},
        "queue.tags",
        "tag keys and values must be strings; quote numbers and booleans",
    ),
    (
        "too many tags",
        {**MNS, "queue": {"tags": {f"k{i}": "v" for i in range(20)}}},
        "queue.tags",
        "must have at most 19 tags (got 20); remove some",
    ),
    (
        "queue unknown setting",
        {**MNS, "queue": {"retentionSecs": 60}},
        "queue.retentionSecs",
        UNKNOWN.format("retentionSeconds", QUEUE_KEYS),
    ),
    (
        "region unknown setting",
        {**MNS, "adpot": True},
        "adpot",
        UNKNOWN.format("adopt", REGION_KEYS),
    ),
    (
        "adopt not bool",
        {**MNS, "adopt": "sure"},
        "adopt",
        f"must be true or false (got 'sure'){FLAG_FIX}",
    ),
    (
        "onDelete unknown",
        {**MNS, "onDelete": "destroy"},
        "onDelete",
        "must be one of restore, reset, retain (got 'destroy')",
    ),
    (
        "snake and camel twins",
        {**MNS, "onDelete": "reset", "on_delete": "retain"},
        "onDelete",
        "is given in both camelCase and snake_case; keep one",
    ),
]


@pytest.mark.parametrize(
    ("fields", "path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_region_rule(fields, path, message):
    assert problems(one_region("cn-beijing", **fields)) == [
        (f"callbacks.regions.cn-beijing.{path}", message)
    ]


TOP_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "callbacks missing",
        {},
        "callbacks",
        f"is not set; add it to Pulumi.prod.yaml, e.g. ims-callbacks:callbacks: {EXAMPLE}",
    ),
    (
        "callbacks null",
        config(None),
        "callbacks",
        f"is not set; add it to Pulumi.prod.yaml, e.g. ims-callbacks:callbacks: {EXAMPLE}",
    ),
    (
        "callbacks bad json",
        config("{regions: "),
        "callbacks",
        "is not valid JSON (Expecting property name enclosed in double quotes at line 1); "
        "write it as a YAML mapping",
    ),
    ("callbacks list", config([1]), "callbacks", f"must be a mapping, e.g. {EXAMPLE} (got a list)"),
    (
        "callbacks json list",
        config("[1]"),
        "callbacks",
        f"must be a mapping, e.g. {EXAMPLE} (got a list)",
    ),
    (
        "callbacks empty",
        config({}),
        "callbacks.regions",
        f"must configure at least one region, e.g. ims-callbacks:callbacks: {EXAMPLE}",
    ),
    (
        "regions empty",
        config({"regions": {}}),
        "callbacks.regions",
        f"must configure at least one region, e.g. ims-callbacks:callbacks: {EXAMPLE}",
    ),
    (
        "regions string",
        config({"regions": "cn-beijing"}),
        "callbacks.regions",
        "must be a mapping of region id to settings (got 'cn-beijing')",
    ),
    (
        "top unknown",
        config({"regions": {"cn-beijing": MNS}, "regoins": {}}),
        "callbacks.regoins",
        "is not a known setting; did you mean 'regions'? (valid: defaults, grant, regions)",
    ),
    (
        "defaults not mapping",
        config({"regions": {"cn-beijing": MNS}, "defaults": []}),
        "callbacks.defaults",
        "must be a mapping of region settings",
    ),
    (
        "defaults unknown",
        config({"regions": {"cn-beijing": MNS}, "defaults": {"event": EVENTS}}),
        "callbacks.defaults.event",
        UNKNOWN.format("events", REGION_KEYS),
    ),
    (
        "unknown region",
        config({"regions": {"cn-bejing": MNS}}),
        "callbacks.regions.cn-bejing",
        f"is not an IMS region; did you mean 'cn-beijing'? (valid: {REGIONS})",
    ),
    (
        "unknown region no hint",
        config({"regions": {"xx-nowhere-9": MNS}}),
        "callbacks.regions.xx-nowhere-9",
        f"is not an IMS region (valid: {REGIONS})",
    ),
    (
        "region id not string",
        config({"regions": {1: MNS}}),
        "callbacks.regions.1",
        "region ids must be strings, e.g. cn-shanghai",
    ),
    (
        "region weird id",
        config({"regions": {"cn beijing": MNS}}),
        'callbacks.regions["cn beijing"]',
        f"is not an IMS region; did you mean 'cn-beijing'? (valid: {REGIONS})",
    ),
    (
        "region not mapping",
        config({"regions": {"cn-beijing": "mns"}}),
        "callbacks.regions.cn-beijing",
        NOT_MAPPING.format("(got 'mns')"),
    ),
    (
        "region null",
        config({"regions": {"cn-beijing": None}}),
        "callbacks.regions.cn-beijing",
        NOT_MAPPING.format("(got null)"),
    ),
    (
        "duplicate by case",
        config({"regions": {"cn-beijing": MNS, "CN-Beijing": MNS}}),
        "callbacks.regions.CN-Beijing",
        "duplicates callbacks.regions.cn-beijing (region ids ignore case); keep one entry",
    ),
    (
        "duplicate raw pairs",
        config({"regions": [["cn-beijing", MNS], ["cn-beijing", HTTP]]}),
        "callbacks.regions.cn-beijing",
        "duplicates callbacks.regions.cn-beijing (region ids ignore case); keep one entry",
    ),
    (
        "grant mode",
        config({"regions": {"cn-beijing": MNS}, "grant": {"mode": "auto"}}),
        "callbacks.grant.mode",
        "must be one of attach, create-role, skip (got 'auto')",
    ),
    (
        "grant role",
        config({"regions": {"cn-beijing": MNS}, "grant": {"roleName": "my role"}}),
        "callbacks.grant.roleName",
        "must be 1 to 64 characters of A-Z, a-z, 0-9, '.' and '-' (RAM role-name rules), "
        "e.g. AliyunICEDefaultRole",
    ),
    (
        "grant unknown",
        config({"regions": {"cn-beijing": MNS}, "grant": {"role": "x"}}),
        "callbacks.grant.role",
        "is not a known setting; did you mean 'roleName'? (valid here: mode, roleName)",
    ),
    (
        "grant not mapping",
        config({"regions": {"cn-beijing": MNS}, "grant": "attach"}),
        "callbacks.grant",
        "must be a mapping of settings",
    ),
    (
        "emulator remote",
        config({"regions": {"cn-beijing": MNS}}) | {"ims:emulator": "http://10.1.2.3:80"},
        "emulator",
        "must be a plain-HTTP loopback address with a port; use http://127.0.0.1:<port>, "
        "http://localhost:<port> or http://[::1]:<port>",
    ),
    (
        "emulator not string",  # the CLI hands the program "18100"
        config({"regions": {"cn-beijing": MNS}}) | {"ims:emulator": 18100},
        "emulator",
        "must be a plain-HTTP loopback address with a port; use http://127.0.0.1:<port>, "
        "http://localhost:<port> or http://[::1]:<port>",
    ),
    (
        "namespace typo",
        config({"regions": {"cn-beijing": MNS}}) | {"ims-callbacks:callback": {}},
        "callback",
        "is not a known setting; did you mean 'callbacks'? (valid: callbacks)",
    ),
]


@pytest.mark.parametrize(
    ("cfg", "path", "message"), [c[1:] for c in TOP_CASES], ids=[c[0] for c in TOP_CASES]
)
def test_top_level_rule(cfg, path, message):
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, project="media", stack="prod")
    assert [(p.path, p.message) for p in info.value.problems] == [(path, message)]


def test_all_problems_at_once_across_regions():
    got = problems(
        {
            "regions": {
                "cn-shanghai": {**MNS, "queue": {"name": "bad", "retentionSeconds": 1}},
                "cn-beijing": {"delivery": "http", "events": ["Nope"]},
                "xx-nowhere-9": MNS,
                "cn-hangzhou": HTTP,
            },
            "grant": {"mode": "x"},
        },
        emulator="http://example.com:1",
    )
    assert [path for path, _ in got] == [
        "emulator",
        "callbacks.grant.mode",
        "callbacks.regions.cn-shanghai.queue.name",
        "callbacks.regions.cn-shanghai.queue.retentionSeconds",
        "callbacks.regions.cn-beijing.url",
        "callbacks.regions.cn-beijing.events[0]",
        "callbacks.regions.xx-nowhere-9",
    ]


def test_error_text_and_no_chained_pydantic_error():
    with pytest.raises(ConfigError) as info:
        load(one_region("cn-beijing", **{**HTTP, "url": "https://h/" + "x" * 290}))
    err = info.value
    assert str(err) == (
        "1 problem in the stack configuration; nothing was changed:\n"
        "  ims-callbacks:callbacks.regions.cn-beijing.url: must be an https:// URL of at most "
        "256 bytes (got 300 bytes)"
    )
    assert err.__cause__ is None
    assert err.__context__ is None
    assert "pydantic" not in str(err)


# --- warnings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("callbacks", "expected"),
    [
        (
            one_region(**MNS | {"events": ["TranscodeComplete", "TranscodeParentComplete"]}),
            [
                "ims-callbacks:callbacks.regions.cn-shanghai.events: "
                + DEPRECATED.format("TranscodeComplete"),
                "ims-callbacks:callbacks.regions.cn-shanghai.events: "
                + DEPRECATED.format("TranscodeParentComplete"),
            ],
        ),
        (
            {
                "defaults": {"events": ["TranscodeComplete"]},
                "regions": {"cn-shanghai": {"delivery": "mns"}, "cn-beijing": {"delivery": "mns"}},
            },
            [
                "ims-callbacks:callbacks.defaults.events: "
                + DEPRECATED.format("TranscodeComplete"),
            ],
        ),
        (
            one_region("eu-central-1", **MNS),
            [
                "ims-callbacks:callbacks.regions.eu-central-1: Germany (Frankfurt) is an IMS "
                "service region but its endpoint ice.eu-central-1.aliyuncs.com is not in the "
                "documented endpoint table; verify it works before relying on it",
            ],
        ),
        (
            one_region(**MNS, queue={"delaySeconds": 5}),
            [
                "ims-callbacks:callbacks.regions.cn-shanghai.queue.delaySeconds: delays every "
                "callback by 5 seconds; 0 is recommended",
            ],
        ),
        (
            one_region(**HTTP, auth={"enabled": False, "key": KEY}),
            [
                "ims-callbacks:callbacks.regions.cn-shanghai.auth.key: is ignored because "
                "auth.enabled is false"
            ],
        ),
        (
            one_region(**HTTP | {"url": "http://h/cb", "allowInsecureHttp": True}),
            [
                "ims-callbacks:callbacks.regions.cn-shanghai.url: callbacks travel unencrypted "
                "over http://; prefer https://",
            ],
        ),
    ],
)
def test_warnings(callbacks, expected):
    settings, warnings = load(callbacks)
    assert settings.regions
    assert list(warnings) == expected


# --- secrets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [
        {"key": "Ab1"},  # too short: the value must still not appear
        {"key": "Secret-Key-0042"},
        {"key": "S" * 40 + "ecret1"},
        {"key": KEY, "enabled": "maybe"},
        {"key": KEY, "bogus": 1},
    ],
)
def test_key_never_in_error(auth):
    callbacks = one_region("cn-beijing", **HTTP, auth=auth, onDelete="nope")
    with pytest.raises(ConfigError) as info:
        load(callbacks)
    text = str(info.value) + repr(info.value) + repr(info.value.problems)
    assert auth["key"] not in text
    assert "input" not in text
    assert "[redacted]" not in text  # not echoed at all, so redaction was not needed


def test_key_redacted_even_when_repeated_elsewhere():
    callbacks = {"regions": {"cn-beijing": {**HTTP, "auth": {"key": KEY}}, KEY: MNS}}
    with pytest.raises(ConfigError) as info:
        load(callbacks)
    assert KEY not in str(info.value)
    assert "[redacted]" in str(info.value)


def test_key_never_in_repr_or_warnings():
    settings, warnings = load(one_region("eu-central-1", **HTTP, auth={"key": KEY}))
    assert KEY not in repr(settings)
    assert KEY not in str(settings.regions[0].desired())
    assert all(KEY not in w for w in warnings)


def test_settings_pickle_round_trip():
    # The Pulumi dynamic provider is pickled together with what it captures.
    import pickle

    settings, _ = load(
        {"regions": {"cn-beijing": {**HTTP, "auth": {"key": KEY}}, "cn-shanghai": MNS}}
    )
    assert pickle.loads(pickle.dumps(settings)) == settings  # noqa: S301


def test_huge_names_from_the_stack_file_are_clipped_in_messages():
    """A hostile file cannot make one problem line as long as itself."""
    huge = "x" * 200_000
    with pytest.raises(ConfigError) as caught:
        load(
            {
                "regions": {
                    huge: {"delivery": "http", "url": "https://hooks.example.com/ims"},
                    "cn-beijing": {
                        "delivery": "mns",
                        "events": [huge],
                        "queue": {"tags": {huge: "v"}},
                    },
                },
            }
        )
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 3
    assert all(len(line) < 400 for line in lines), [len(line) for line in lines]
    assert all("...(+199936 characters)" in line for line in lines), lines


# --- strict values, secrets, limits (issue 15) -----------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("true", True), ("false", False)])
def test_flags_take_yaml_booleans_and_the_strings_config_set_writes(value: object, expected: bool):
    settings, _ = load(one_region(**MNS, adopt=value))
    assert settings.regions[0].adopt is expected


@pytest.mark.parametrize("value", [1, 0, "on", "yes", "True", "1", None])
def test_flags_refuse_everything_else(value: object):
    assert problems(one_region(**MNS, adopt=value)) == [
        (
            "callbacks.regions.cn-shanghai.adopt",
            f"must be true or false{describe(value)}{FLAG_FIX}",
        )
    ]


@pytest.mark.parametrize(
    "url", [f"{URL},https://b.example.com/cb", f"{URL};https://b.example.com/cb", f"{URL} {URL}"]
)
def test_two_urls_are_refused(url: str):
    assert problems(one_region(**{**HTTP, "url": url})) == [
        (
            "callbacks.regions.cn-shanghai.url",
            "holds more than one URL; IMS calls exactly one URL per region: keep one",
        )
    ]


def plain_key(where: str = "regions") -> dict[str, object]:
    auth = {"auth": {"key": KEY}}
    if where == "defaults":
        return {"defaults": auth, **one_region(**HTTP)}
    return one_region(**HTTP, **auth)


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("regions", "callbacks.regions.cn-shanghai.auth.key"),
        ("defaults", "callbacks.defaults.auth.key"),
    ],
)
def test_an_auth_key_that_is_not_a_secret_is_refused_with_the_fix(where: str, path: str):
    with pytest.raises(ConfigError) as info:
        load_settings(config(plain_key(where)), project="p", stack="s", secret_keys=[])
    assert [(p.path, p.message) for p in info.value.problems] == [
        (
            path,
            "is in plain text in the stack config; make it a secret: pulumi config set "
            f"--secret --path 'ims-callbacks:{path}' <key>",
        )
    ]
    assert KEY not in str(info.value)


def test_an_auth_key_in_a_secret_callbacks_value_is_accepted():
    secret = ["ims-callbacks:callbacks"]
    settings, _ = load_settings(config(plain_key()), project="p", stack="s", secret_keys=secret)
    assert settings.regions[0].auth_key is not None


def test_too_many_regions_is_one_problem():
    regions = {f"zz-{i}": MNS for i in range(9)}
    assert problems({"regions": regions}) == [
        (
            "callbacks.regions",
            f"has 9 entries; IMS has 8 regions ({REGIONS}): configure each at most once",
        )
    ]


def nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = {"a": [value]}
    return value


@pytest.mark.parametrize("as_json", [False, True])
def test_nesting_is_refused_at_the_same_path_in_json_text_and_in_a_value(as_json: bool):
    tags = nested(20)
    callbacks = one_region(**MNS, queue={"tags": tags})
    deep = "callbacks.regions.cn-shanghai.queue.tags" + ".a[0]" * 6 + ".a"
    assert problems(json.dumps(callbacks) if as_json else callbacks) == [
        (
            deep,
            f"is nested more than {MAX_DEPTH} levels deep; no setting is more than 5 levels "
            "down (callbacks.regions.<region>.queue.tags.<key>): remove the extra nesting",
        )
    ]


def test_the_program_checks_every_key_of_its_namespace_and_only_those():
    cfg = config(one_region(**MNS)) | {"ims-callbacks:emulater": "x", "ims:region": "y"}
    with pytest.raises(ConfigError) as info:
        program_settings(cfg, [], {}, project="p", stack="s")
    assert [p.path for p in info.value.problems] == ["emulater"]


def test_the_old_emulator_key_says_where_it_moved():
    cfg = config(one_region(**MNS)) | {"ims-callbacks:emulator": "http://127.0.0.1:1"}
    with pytest.raises(ConfigError) as info:
        program_settings(cfg, [], {}, project="p", stack="s")
    assert [str(p) for p in info.value.problems] == [
        "ims-callbacks:emulator: moved to ims:emulator, the ims provider's setting (this key "
        "would not reach the provider); fix: `pulumi config rm ims-callbacks:emulator` and "
        "`pulumi config set ims:emulator <url>`"
    ]


def test_the_program_takes_the_emulator_from_the_environment():
    cfg = config(one_region(**MNS), emulator="http://10.0.0.1:1")
    env = {"IMS_CALLBACKS_EMULATOR": "http://127.0.0.1:18100"}
    settings, _ = program_settings(cfg, [], env, project="p", stack="s")
    assert settings.emulator == "http://127.0.0.1:18100"
