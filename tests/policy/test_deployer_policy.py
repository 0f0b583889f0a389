"""docs/deployer-policy.json grants exactly the API actions the product code calls.

How the needed actions are collected:

1. ICE and MNS: an AST scan of the product code (``components/`` without the clients themselves
   and the opt-in live contract harness, plus ``__main__.py``) finds which IceClient/MnsClient
   methods it calls. Each of those methods is then run against the emulator, and the operations
   the emulator counted become RAM actions (``ice:<Operation>``, ``mns:<Operation>``). A
   cross-check ties the instrumented run to the code: the SDK methods the clients call,
   camel-cased, are exactly the operations seen when every client method runs.
2. RAM: the ``pulumi_alicloud`` resource types the product code uses, mapped to the RAM
   actions the alicloud provider calls for them
   (:data:`tests.policy.actions.ALICLOUD_RESOURCE_ACTIONS`).

Then the documented policy must cover exactly those actions (none missing, none extra), on
resources as narrow as the stack's names allow, and the README must show the same JSON.
The scans, the exercises and the policy helpers are in :mod:`tests.policy.actions`, shared
with test_preview_policy.py.
"""

from __future__ import annotations

import fnmatch

import pytest

from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from tests.policy.actions import (
    ALICLOUD_RESOURCE_ACTIONS,
    CLIENTS,
    DOCS,
    EXERCISES,
    RAM_POLICY_RESOURCE,
    REPO,
    Observed,
    actions_of,
    alicloud_actions,
    alicloud_resources_used,
    client_methods_called,
    coverage_problems,
    granted,
    load_policy,
    operation_name,
    public_methods,
    resource_problems,
    sdk_methods_called,
    without_action,
)

POLICY_FILE = DOCS / "deployer-policy.json"
README = REPO / "README.md"


@pytest.fixture
def needed(observed: Observed) -> set[str]:
    """Every action the product code needs, from the scan, the emulator and the table."""
    return actions_of(client_methods_called(), observed) | alicloud_actions(
        alicloud_resources_used(), ALICLOUD_RESOURCE_ACTIONS
    )


# --- tests -----------------------------------------------------------------------------------


def test_every_client_method_has_an_exercise() -> None:
    for cls, exercises in EXERCISES.items():
        assert set(exercises) == public_methods(cls), cls.__name__


def test_the_scan_finds_the_calls_the_deploy_path_makes() -> None:
    called = client_methods_called()
    assert {"get_callback", "set_callback", "reset_callback"} <= called[IceClient]
    assert {"get_queue", "create_queue", "update_queue", "delete_queue"} <= called[MnsClient]
    assert {"ram.Policy", "ram.RolePolicyAttachment", "ram.Role", "ram.get_roles"} <= (
        alicloud_resources_used()
    )


def test_the_emulator_saw_exactly_the_sdk_calls_of_the_clients(observed: Observed) -> None:
    for cls in CLIENTS:
        seen = set().union(*observed[cls].values())
        assert seen == {operation_name(m) for m in sdk_methods_called(cls)}, cls.__name__


def test_the_documented_policy_covers_exactly_what_the_code_calls(needed: set[str]) -> None:
    assert coverage_problems(load_policy(POLICY_FILE), needed) == []


def test_removing_any_documented_action_is_caught(needed: set[str]) -> None:
    policy = load_policy(POLICY_FILE)
    for action in granted(policy):
        assert f"missing: {action}" in coverage_problems(without_action(policy, action), needed)


def test_resources_are_as_narrow_as_the_names_the_stack_uses() -> None:
    # ICE: its whole product (no resource-level permissions); MNS: the ice-callback-* queues;
    # RAM: the policies the stack names and the role IMS uses (ListRoles: roles, nothing else)
    assert resource_problems(load_policy(POLICY_FILE)) == []


def test_the_policy_names_the_stack_generates_match_the_policy_resource() -> None:
    from components.pulumi_layer.region import _policy_name

    name = _policy_name("prod-ims-callbacks-cn-shanghai")
    assert fnmatch.fnmatchcase(f"acs:ram:*:*:policy/{name}", RAM_POLICY_RESOURCE), name


def test_the_readme_shows_the_documented_policy() -> None:
    text = README.read_text(encoding="utf-8")
    assert POLICY_FILE.read_text(encoding="utf-8").strip() in text
    assert "docs/deployer-policy.json" in text
