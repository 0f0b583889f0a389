"""Component wiring under Pulumi mocks (no engine, no provider process, no network).

A stack with a created MNS queue (cn-shanghai), an existing queue (cn-beijing), an HTTP
region with a configured auth key (cn-hangzhou) and one with a generated key
(ap-southeast-1), declared in each grant mode. Mocks run no provider code: the CRUD of
``ims:index:EventCallback`` and ``ims:index:CallbackQueue`` is covered by tests/provider/.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.core.errors import ConfigError
from components.core.models import StackSettings
from components.core.stack_config import load_settings
from components.pulumi_layer.account import ImsCallbacks
from components.pulumi_layer.migration import (
    DYNAMIC_CALLBACK_TYPE,
    DYNAMIC_QUEUE_TYPE,
    OLD_ACCOUNT_TYPE,
    OLD_REGION_TYPE,
)
from tests.pulumi_layer.pulumi_mocks import (
    ACCOUNT,
    ALICLOUD_PROVIDER,
    ATTACHMENT,
    CALLBACK,
    GENERATED_KEY,
    POLICY,
    PROJECT,
    QUEUE,
    RAM_TYPES,
    REGION,
    ROLE,
    STACK,
    RecordingMonitor,
    Registration,
    is_secret,
    plain_strings,
    pulumi_mocks,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MAIN = REPO_ROOT / "__main__.py"
NAME = "ims-callbacks"
ROLE_NAME = "MediaImsRole"
AUTH_KEY = "WiringKey2024abcXYZ"
EMULATOR = "http://127.0.0.1:18100"
EVENTS = ["ProduceMediaComplete", "FileUploadComplete"]
MNS_REGIONS = {"cn-shanghai": "ice-callback-wiring-sh", "cn-beijing": "ice-callback-existing-bj"}
HTTP_REGIONS = ("cn-hangzhou", "ap-southeast-1")
MODES = ("attach", "create-role", "skip")


def callbacks_config(mode: str = "attach") -> dict[str, Any]:
    """The ``ims-callbacks:callbacks`` value of the mixed stack, as a user writes it."""
    return {
        "defaults": {"events": EVENTS, "onDelete": "reset"},
        "grant": {"mode": mode, "roleName": ROLE_NAME},
        "regions": {
            "cn-shanghai": {
                "delivery": "mns",
                "queue": {
                    "name": MNS_REGIONS["cn-shanghai"],
                    "retentionSeconds": 86400,
                    "visibilityTimeoutSeconds": 60,
                    "pollingWaitSeconds": 30,
                    "maxMessageBytes": 2048,
                    "logging": True,
                    "tags": {"team": "media", "env": "test"},
                },
            },
            "cn-beijing": {
                "delivery": "mns",
                "queue": {"name": MNS_REGIONS["cn-beijing"], "existing": True},
                "adopt": True,
                "onDelete": "restore",
            },
            "cn-hangzhou": {
                "delivery": "http",
                "url": "https://hooks.example.com/ims",
                "auth": {"enabled": True, "key": AUTH_KEY},
            },
            "ap-southeast-1": {
                "delivery": "http",
                "url": "https://hooks.example.com/ims/sg",
                "events": ["FileUploadComplete"],
                "onDelete": "retain",
            },
        },
    }


def settings_for(
    mode: str = "attach", emulator: str | None = None, **overrides: Any
) -> StackSettings:
    config: dict[str, Any] = {"ims-callbacks:callbacks": callbacks_config(mode) | overrides}
    if emulator:
        config["ims:emulator"] = emulator
    settings, _warnings = load_settings(config, project=PROJECT, stack=STACK)
    return settings


@dataclass(frozen=True)
class Resolved:
    value: Any
    secret: bool


async def _resolve(tree: Any) -> Any:
    """Await every Output in a tree of dicts/lists, keeping whether it was secret."""
    if isinstance(tree, pulumi.Output):
        return Resolved(await tree.future(), await tree.is_secret())
    if isinstance(tree, dict):
        return {k: await _resolve(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [await _resolve(v) for v in tree]
    return tree


@dataclass
class Deployment:
    monitor: RecordingMonitor
    component: ImsCallbacks
    outputs: dict[str, Any]
    resources: dict[str, Registration]

    def one(self, name: str) -> Registration:
        assert name in self.resources, f"{name} not registered; have {sorted(self.resources)}"
        return self.resources[name]

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources.values() if r.type == type_]

    def children(self, name: str) -> set[str]:
        urn = self.one(name).urn
        return {r.name for r in self.resources.values() if r.parent == urn}


@pytest.fixture
def monitor() -> Iterator[RecordingMonitor]:
    with pulumi_mocks() as recording:
        yield recording


@pytest.fixture
def deploy(monitor: RecordingMonitor):
    """``deploy(settings, name=NAME)``: declare ImsCallbacks under mocks and wait for it."""

    def run(settings: StackSettings, name: str = NAME) -> Deployment:
        holder: dict[str, Any] = {}

        @pulumi.runtime.test
        def program() -> pulumi.Output[Any]:
            component = ImsCallbacks(name, settings)
            holder["component"] = component

            async def collect() -> None:
                holder["outputs"] = await _resolve(component.outputs)

            return pulumi.Output.from_input(collect())

        program()
        return Deployment(monitor, holder["component"], holder["outputs"], monitor.registrations())

    return run


def region_name(region: str, name: str = NAME) -> str:
    return f"{name}-{region}"


# -- the resource tree -------------------------------------------------------------------


def expected_tree(mode: str, name: str = NAME) -> dict[str, tuple[str, str]]:
    """Every resource the stack must register: name -> (type, parent name)."""
    tree: dict[str, tuple[str, str]] = {name: (ACCOUNT, "")}
    for region in (*MNS_REGIONS, *HTTP_REGIONS):
        comp = region_name(region, name)
        tree[comp] = (REGION, name)
        tree[f"{comp}-callback"] = (CALLBACK, comp)
    for region in MNS_REGIONS:
        comp = region_name(region, name)
        if mode != "skip":
            tree[f"{comp}-mns-send"] = (POLICY, comp)
            tree[f"{comp}-grant"] = (ATTACHMENT, comp)
    tree[f"{region_name('cn-shanghai', name)}-queue"] = (QUEUE, region_name("cn-shanghai", name))
    if mode != "skip":
        tree[f"{name}-ram"] = (ALICLOUD_PROVIDER, name)
    if mode == "create-role":
        tree[f"{name}-ims-role"] = (ROLE, name)
    return tree


@pytest.mark.parametrize("mode", MODES)
def test_registers_exactly_the_expected_tree_with_parents(deploy, mode):
    stack = deploy(settings_for(mode))
    want = expected_tree(mode)
    assert {n: r.type for n, r in stack.resources.items()} == {n: t for n, (t, _) in want.items()}
    urn_names = {r.urn: n for n, r in stack.resources.items()}
    for name, (_type, parent) in want.items():
        got = urn_names.get(stack.resources[name].parent, "<stack>")
        assert got == (parent or "<stack>"), f"parent of {name}"


def test_names_derive_from_the_component_name(deploy):
    stack = deploy(settings_for("create-role"), name="media")
    assert set(stack.resources) == set(expected_tree("create-role", name="media"))
    policy = stack.one("media-cn-shanghai-mns-send")
    assert policy.plain("policyName") == f"{pulumi.get_stack()}-media-cn-shanghai-mns-send"


@pytest.mark.parametrize("mode", ["attach", "create-role"])
def test_ram_resources_of_every_region_share_one_alicloud_provider(deploy, mode):
    stack = deploy(settings_for(mode))
    (provider,) = stack.of_type(ALICLOUD_PROVIDER)  # one plugin process, however many regions
    assert provider.name == f"{NAME}-ram"
    assert provider.inputs == {"region": "cn-hangzhou"}  # fixed: RAM is global
    for resource in stack.resources.values():
        if resource.type in RAM_TYPES:
            assert resource.provider_urn == provider.urn, resource.name
    queue = stack.one(f"{region_name('cn-shanghai')}-queue")
    assert queue.provider_urn != provider.urn, "queues go through the ims provider"


def test_http_regions_make_no_queue_grant_or_provider(deploy):
    stack = deploy(settings_for("attach"))
    for region in HTTP_REGIONS:
        comp = region_name(region)
        assert stack.children(comp) == {f"{comp}-callback"}
    queue_names = {r.plain("queueName") for r in stack.of_type(QUEUE)}
    assert queue_names == {MNS_REGIONS["cn-shanghai"]}


# -- queue, policy, grant ------------------------------------------------------------------


def test_queue_inputs_match_the_queue_settings(deploy):
    stack = deploy(settings_for("attach"))
    (queue,) = stack.of_type(QUEUE)  # the existing cn-beijing queue is not declared
    assert queue.name == f"{region_name('cn-shanghai')}-queue"
    assert queue.inputs == {
        "region": "cn-shanghai",
        "queueName": MNS_REGIONS["cn-shanghai"],
        "owner": f"{PROJECT}/{STACK}",
        "retentionSeconds": 86400,
        "visibilityTimeoutSeconds": 60,
        "pollingWaitSeconds": 30,
        "maxMessageBytes": 2048,
        "delaySeconds": 0,
        "logging": True,
        "tags": {"env": "test", "team": "media"},
    }


def test_default_queue_name_is_used_by_queue_policy_and_callback(deploy):
    regions = callbacks_config()["regions"]
    regions["cn-shanghai"] = {"delivery": "mns"}
    stack = deploy(settings_for("attach", regions=regions))
    comp = region_name("cn-shanghai")
    queue_name = stack.one(f"{comp}-queue").plain("queueName")
    assert queue_name == f"ice-callback-{PROJECT}-{STACK}-cn-shanghai"
    assert stack.one(f"{comp}-callback").plain("queueName") == queue_name
    resource = json.loads(stack.one(f"{comp}-mns-send").plain("policyDocument"))
    assert resource["Statement"][0]["Resource"] == [
        f"acs:mns:cn-shanghai:*:/queues/{queue_name}/messages"
    ]


@pytest.mark.parametrize("mode", ["attach", "create-role"])
def test_policy_is_least_privilege_per_region(deploy, mode):
    stack = deploy(settings_for(mode))
    policies = {r.name: r for r in stack.of_type(POLICY)}
    assert set(policies) == {f"{region_name(r)}-mns-send" for r in MNS_REGIONS}
    for region, queue in MNS_REGIONS.items():
        policy = policies[f"{region_name(region)}-mns-send"]
        assert json.loads(policy.plain("policyDocument")) == {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["mns:SendMessage"],
                    "Resource": [f"acs:mns:{region}:*:/queues/{queue}/messages"],
                }
            ],
        }
        assert policy.plain("policyName") == f"{pulumi.get_stack()}-{region_name(region)}-mns-send"


def test_attach_mode_attaches_each_policy_to_the_configured_role(deploy):
    stack = deploy(settings_for("attach"))
    assert stack.of_type(ROLE) == []
    for region in MNS_REGIONS:
        comp = region_name(region)
        policy = stack.one(f"{comp}-mns-send")
        grant = stack.one(f"{comp}-grant")
        assert grant.plain("roleName") == ROLE_NAME
        assert grant.plain("policyType") == "Custom"
        assert grant.plain("policyName") == policy.plain("policyName")
        assert policy.urn in grant.property_dependencies["policyName"]


def test_create_role_mode_makes_one_role_trusting_ims(deploy):
    stack = deploy(settings_for("create-role"))
    (role,) = stack.of_type(ROLE)
    assert role.name == f"{NAME}-ims-role"
    assert role.plain("roleName") == ROLE_NAME
    assert json.loads(role.plain("assumeRolePolicyDocument")) == {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": ["ice.aliyuncs.com"]},
            }
        ],
    }
    assert role.provider_urn == stack.one(f"{NAME}-ram").urn
    for region in MNS_REGIONS:
        grant = stack.one(f"{region_name(region)}-grant")
        assert grant.plain("roleName") == ROLE_NAME
        assert role.urn in grant.property_dependencies["roleName"], "grant must wait for the role"


def test_skip_mode_makes_no_ram_resources(deploy):
    stack = deploy(settings_for("skip"))
    assert [r.name for r in stack.resources.values() if r.type in RAM_TYPES] == []


def test_http_only_stack_makes_no_ram_resources_even_with_create_role(deploy):
    regions = callbacks_config()["regions"]
    http_only = {r: v for r, v in regions.items() if r in HTTP_REGIONS}
    stack = deploy(settings_for("create-role", regions=http_only))
    assert {r.type for r in stack.resources.values()} == {ACCOUNT, REGION, CALLBACK}


# -- the callback resource -----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_callback_depends_on_its_queue_and_grant(deploy, mode):
    stack = deploy(settings_for(mode))
    sh, bj = region_name("cn-shanghai"), region_name("cn-beijing")
    grants = {c: {stack.one(f"{c}-grant").urn} if mode != "skip" else set() for c in (sh, bj)}
    want = {
        sh: {stack.one(f"{sh}-queue").urn} | grants[sh],
        bj: grants[bj],
        **{region_name(r): set() for r in HTTP_REGIONS},
    }
    for comp, deps in want.items():
        assert stack.one(f"{comp}-callback").dependencies == deps, comp


def test_callback_inputs_per_region(deploy):
    stack = deploy(settings_for("attach"))
    common = {"events": sorted(EVENTS)}
    want = {
        "cn-shanghai": common
        | {"callbackType": "MNS", "queueName": MNS_REGIONS["cn-shanghai"], "url": ""}
        | {"authEnabled": False, "adopt": False, "onDelete": "reset", "checkQueue": False},
        "cn-beijing": common
        | {"callbackType": "MNS", "queueName": MNS_REGIONS["cn-beijing"], "url": ""}
        | {"authEnabled": False, "adopt": True, "onDelete": "restore", "checkQueue": True},
        "cn-hangzhou": common
        | {"callbackType": "HTTP", "queueName": "", "url": "https://hooks.example.com/ims"}
        | {"authEnabled": True, "adopt": False, "onDelete": "reset", "checkQueue": False},
        "ap-southeast-1": {"events": ["FileUploadComplete"]}
        | {"callbackType": "HTTP", "queueName": "", "url": "https://hooks.example.com/ims/sg"}
        | {"authEnabled": True, "adopt": False, "onDelete": "retain", "checkQueue": False},
    }
    for region, fields in want.items():
        callback = stack.one(f"{region_name(region)}-callback")
        got = {k: callback.plain(k) for k in fields}
        assert got == fields, region
        assert callback.plain("region") == region


def test_auth_key_is_secret_in_inputs_and_outputs(deploy):
    stack = deploy(settings_for("attach"))
    for callback in stack.of_type(CALLBACK):
        assert {"authKey", "previous"} <= set(callback.additional_secret_outputs)
    configured = stack.one(f"{region_name('cn-hangzhou')}-callback")
    assert is_secret(configured.inputs["authKey"])
    assert configured.plain("authKey") == AUTH_KEY
    generated = stack.one(f"{region_name('ap-southeast-1')}-callback")
    assert generated.plain("authKey") is None, "no key configured: the provider generates one"
    for resource in stack.resources.values():
        assert AUTH_KEY not in "\n".join(plain_strings(resource.inputs)), resource.name
    key_output = stack.outputs["cn-hangzhou"]["authKey"]
    assert key_output == Resolved(AUTH_KEY, secret=True)
    assert stack.outputs["ap-southeast-1"]["authKey"] == Resolved(GENERATED_KEY, secret=True)


def test_outputs_per_region(deploy):
    stack = deploy(settings_for("attach"))
    outputs = stack.outputs
    assert set(outputs) == {*MNS_REGIONS, *HTTP_REGIONS}
    assert outputs["cn-shanghai"] == {
        "delivery": "MNS",
        "url": None,
        "queueName": MNS_REGIONS["cn-shanghai"],
        "events": sorted(EVENTS),
        "authKey": None,
        "onDelete": "reset",
    }
    assert outputs["cn-beijing"]["queueName"] == MNS_REGIONS["cn-beijing"]
    assert outputs["cn-beijing"]["onDelete"] == "restore"
    hz = {k: v for k, v in outputs["cn-hangzhou"].items() if k != "authKey"}
    assert hz == {
        "delivery": "HTTP",
        "url": "https://hooks.example.com/ims",
        "queueName": None,
        "events": sorted(EVENTS),
        "onDelete": "reset",
    }


def test_auth_disabled_region_outputs_no_key(deploy):
    regions = callbacks_config()["regions"]
    regions["cn-hangzhou"] = regions["cn-hangzhou"] | {"auth": {"enabled": False}}
    stack = deploy(settings_for("attach", regions=regions))
    assert stack.outputs["cn-hangzhou"]["authKey"] is None
    assert stack.one(f"{region_name('cn-hangzhou')}-callback").plain("authEnabled") is False


# -- the native provider's types, and the aliases that move a dynamic-provider stack --------


def test_resources_have_the_ims_package_types_and_alias_the_old_ones(deploy):
    stack = deploy(settings_for("create-role"))
    want = {
        ACCOUNT: OLD_ACCOUNT_TYPE,
        REGION: OLD_REGION_TYPE,
        CALLBACK: DYNAMIC_CALLBACK_TYPE,
        QUEUE: DYNAMIC_QUEUE_TYPE,
    }
    assert (ACCOUNT, REGION, CALLBACK, QUEUE) == (
        "ims:index:ImsCallbacks",
        "ims:index:RegionCallbacks",
        "ims:index:EventCallback",
        "ims:index:CallbackQueue",
    )
    assert want == {
        ACCOUNT: "ims-callbacks:index:ImsCallbacks",
        REGION: "ims-callbacks:index:RegionCallbacks",
        CALLBACK: "pulumi-python:dynamic/ims:EventCallback",
        QUEUE: "pulumi-python:dynamic/mns:CallbackQueue",
    }
    for type_, old in want.items():
        resources = stack.of_type(type_)
        assert resources, type_
        for resource in resources:
            assert resource.alias_types == (old,), resource.name
    for resource in stack.resources.values():
        if resource.type not in want:
            assert resource.alias_types == (), resource.name


def test_no_input_carries_the_dynamic_providers_keys(deploy):
    stack = deploy(settings_for("attach"))
    for resource in (*stack.of_type(CALLBACK), *stack.of_type(QUEUE)):
        assert not {"__provider", "drift"} & set(resource.inputs), resource.name
    for callback in stack.of_type(CALLBACK):
        assert (callback.plain("previous"), callback.plain("authKeyGenerated")) == (None, None)


# -- emulator mode --------------------------------------------------------------------------


@pytest.mark.parametrize("emulator", [None, EMULATOR])
def test_emulator_mode_declares_the_same_resources(deploy, emulator):
    """The emulator is a setting of the ims provider (``ims:emulator``), not of the program."""
    stack = deploy(settings_for("create-role", emulator=emulator))
    assert set(stack.resources) == set(expected_tree("create-role"))
    for provider in stack.of_type(ALICLOUD_PROVIDER):
        assert set(provider.inputs) == {"region"}, provider.name


# -- __main__.py ----------------------------------------------------------------------------


BAD_CALLBACKS = {
    "grant": {"mode": "sometimes"},
    "regions": {
        "cn-shanghai": {
            "delivery": "mns",
            "events": ["FileUploadComplete", "NoSuchEvent"],
            "queue": {"retentionSeconds": 5},
        },
        "cn-beijing": {"delivery": "http", "events": ["FileUploadComplete"]},
        "mars-north-1": {"delivery": "mns", "events": ["FileUploadComplete"]},
        "cn-hangzhou": {
            "delivery": "http",
            "url": "https://hooks.example.com/ims",
            "events": ["FileUploadComplete"],
            "auth": {"key": "weakkey1plain"},
        },
    },
}
BAD_PATHS = (
    "ims:emulator:",
    "ims-callbacks:callbacks.grant.mode:",
    "ims-callbacks:callbacks.regions.cn-shanghai.events[1]:",
    "ims-callbacks:callbacks.regions.cn-shanghai.queue.retentionSeconds:",
    "ims-callbacks:callbacks.regions.cn-beijing.url:",
    "ims-callbacks:callbacks.regions.mars-north-1:",
    "ims-callbacks:callbacks.regions.cn-hangzhou.auth.key:",
)


def run_main() -> None:
    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(str(MAIN), run_name="__pulumi_main__")

    program()


def test_main_bad_config_is_one_run_error_listing_every_problem_and_declares_nothing(monitor):
    pulumi.runtime.set_all_config(
        {
            "ims-callbacks:callbacks": json.dumps(BAD_CALLBACKS),
            "ims:emulator": "http://10.1.2.3:18100",
        },
        ["ims-callbacks:callbacks"],
    )
    with pytest.raises(pulumi.RunError) as caught:
        run_main()
    message = str(caught.value)
    assert message.startswith(f"{len(BAD_PATHS)} problems in the stack configuration")
    lines = message.splitlines()[1:]
    assert len(lines) == len(BAD_PATHS)
    for path in BAD_PATHS:
        assert sum(line.strip().startswith(path) for line in lines) == 1, path
    assert "weakkey1plain" not in message
    assert monitor.registrations() == {}
    assert monitor.recording_mocks.args == {}


def test_main_missing_config_names_the_setting_to_add(monitor):
    with pytest.raises(pulumi.RunError) as caught:
        run_main()
    assert "ims-callbacks:callbacks: is not set" in str(caught.value)
    assert monitor.registrations() == {}


def test_main_valid_config_declares_the_stack(monitor):
    pulumi.runtime.set_all_config(
        {"ims-callbacks:callbacks": json.dumps(callbacks_config())}, ["ims-callbacks:callbacks"]
    )
    run_main()
    names = {n: r.type for n, r in monitor.registrations().items()}
    assert names == {n: t for n, (t, _) in expected_tree("attach").items()}
    for provider in (r for r in monitor.registrations().values() if r.type == ALICLOUD_PROVIDER):
        assert "protocol" not in provider.inputs


def test_main_emulator_env_overrides_config(monitor, monkeypatch):
    """A bad configured address is not checked when the environment names a good one."""
    monkeypatch.setenv("IMS_CALLBACKS_EMULATOR", EMULATOR)
    pulumi.runtime.set_all_config(
        {
            "ims-callbacks:callbacks": json.dumps(callbacks_config()),
            "ims:emulator": "http://10.1.2.3:18100",
        },
        ["ims-callbacks:callbacks"],
    )
    run_main()
    assert set(monitor.registrations()) == set(expected_tree("attach"))


def test_main_checks_the_emulator_address_from_the_environment(monitor, monkeypatch):
    monkeypatch.setenv("IMS_CALLBACKS_EMULATOR", "http://10.1.2.3:18100")
    pulumi.runtime.set_all_config(
        {"ims-callbacks:callbacks": json.dumps(callbacks_config())}, ["ims-callbacks:callbacks"]
    )
    with pytest.raises(pulumi.RunError, match="ims:emulator: must be a plain-HTTP"):
        run_main()
    assert monitor.registrations() == {}


def test_bad_config_problems_match_load_settings(monitor):
    """The RunError carries load_settings' own problems, none dropped or reworded."""
    raw = {"ims-callbacks:callbacks": json.dumps(BAD_CALLBACKS)}
    with pytest.raises(ConfigError) as expected:
        load_settings(raw, project=PROJECT, stack=STACK, secret_keys=list(raw))
    pulumi.runtime.set_all_config(raw, list(raw))
    with pytest.raises(pulumi.RunError) as caught:
        run_main()
    assert str(caught.value) == str(expected.value)


# -- the role is never deleted; the grant runs as the ims provider's identity ----------------


def test_created_role_is_retained_on_delete_and_never_changed(deploy, monitor):
    stack = deploy(settings_for("create-role"))
    (role,) = stack.of_type(ROLE)
    assert role.retain_on_delete, "destroy must leave the IMS service role"
    assert set(role.ignore_changes) == {"assumeRolePolicyDocument", "description"}
    assert role.import_id == "", "a role that is not there is created"
    assert monitor.recording_mocks.invokes == ["alicloud:ram/getRoles:getRoles"]
    for resource in stack.resources.values():
        if resource.type in {POLICY, ATTACHMENT}:
            assert not resource.retain_on_delete, resource.name  # the stack's own: deleted


def test_existing_role_is_imported_not_created(deploy, monitor):
    monitor.recording_mocks.existing_roles.add(ROLE_NAME)
    stack = deploy(settings_for("create-role"))
    (role,) = stack.of_type(ROLE)
    assert role.import_id == ROLE_NAME
    assert role.retain_on_delete


def test_attach_mode_looks_nothing_up(deploy, monitor):
    deploy(settings_for("attach"))
    assert monitor.recording_mocks.invokes == []


CREDENTIAL_CONFIG = {
    "ims:accessKey": "LTAIwiring00001",
    "ims:secretKey": "wiring-secret-value",
    "ims:profile": "ops",
}


def test_main_gives_the_grant_provider_the_ims_credentials(monitor):
    pulumi.runtime.set_all_config(
        {"ims-callbacks:callbacks": json.dumps(callbacks_config()), **CREDENTIAL_CONFIG},
        ["ims-callbacks:callbacks", "ims:secretKey"],
    )
    run_main()
    (provider,) = (r for r in monitor.registrations().values() if r.type == ALICLOUD_PROVIDER)
    assert {k: provider.plain(k) for k in provider.inputs} == {
        "region": "cn-hangzhou",
        "accessKey": "LTAIwiring00001",
        "secretKey": "wiring-secret-value",
        "profile": "ops",
    }
    assert is_secret(provider.inputs["accessKey"]), "the key id is kept secret too"
    assert is_secret(provider.inputs["secretKey"])
    assert not is_secret(provider.inputs["profile"])


def test_component_credentials_reach_the_grant_provider(monitor):
    """What Construct passes: the ims provider's configured settings, as plain strings."""
    settings = settings_for("attach")
    given = {"accessKey": "LTAIconstruct01", "secretKey": "construct-secret", "emulator": "x"}

    @pulumi.runtime.test
    def program() -> None:
        ImsCallbacks(NAME, settings, credentials=given)

    program()
    (provider,) = (r for r in monitor.registrations().values() if r.type == ALICLOUD_PROVIDER)
    assert set(provider.inputs) == {"region", "accessKey", "secretKey"}  # no emulator
    assert provider.plain("accessKey") == "LTAIconstruct01"
    assert is_secret(provider.inputs["accessKey"])
    assert is_secret(provider.inputs["secretKey"])
