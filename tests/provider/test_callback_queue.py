"""``ims:index:CallbackQueue`` create/read/update/delete against the emulator.

Each RPC gets the engine's arguments: ``create`` the checked inputs, ``update`` the old
OUTPUTS and the checked inputs, ``read``/``delete`` the stored outputs (and ``read`` nothing
at all for an import). The live queue is read with MnsClient, and the emulator's
per-operation counters check what went on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.errors import CloudError
from components.aliyun.mns import QUEUE_ALREADY_EXIST, MnsClient, QueueAttributes
from components.core.models import QueueSettings
from components.core.ownership import OWNER_TAG, owner_value, with_owner
from components.provider.errors import ResourceError
from components.provider.provider import ImsProvider
from components.pulumi_layer.resources import queue_properties
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.aliyun.listing import list_queues
from tests.provider.conftest import (
    QUEUE_TYPE,
    configured,
    props,
    run,
    secret_keys,
    unwrap,
    urn,
)

REGION = "cn-shanghai"
OTHER_REGION = "cn-beijing"
NAME = "ice-callback-queue-test"
OWNER = owner_value("ims-callbacks", "test")
TAGS = (("env", "test"), ("team", "media"))
TIMEOUT = 60.0
URN = urn(QUEUE_TYPE, "ims-callbacks-cn-shanghai-queue")

SETTINGS = QueueSettings(
    name=NAME,
    existing=False,
    retention_seconds=86400,
    visibility_timeout_seconds=60,
    polling_wait_seconds=10,
    max_message_bytes=32768,
    delay_seconds=5,
    logging=True,
    tags=TAGS,
)
# Every managed attribute different from SETTINGS.
OTHER_ATTRIBUTES = {
    "retentionSeconds": 604800,
    "visibilityTimeoutSeconds": 120,
    "pollingWaitSeconds": 30,
    "maxMessageBytes": 1024,
    "delaySeconds": 0,
    "logging": False,
}


def inputs(**changes: Any) -> dict[str, Any]:
    """The inputs CallbackQueue registers for SETTINGS."""
    return queue_properties(REGION, SETTINGS, OWNER) | changes


def expected_live(values: dict[str, Any], tags: tuple[tuple[str, str], ...] = TAGS) -> Any:
    """What GetQueueAttributes should report for a queue created from ``values``."""
    return QueueAttributes(
        name=values["queueName"],
        queue_type="normal",
        retention_seconds=values["retentionSeconds"],
        visibility_timeout_seconds=values["visibilityTimeoutSeconds"],
        polling_wait_seconds=values["pollingWaitSeconds"],
        max_message_bytes=values["maxMessageBytes"],
        delay_seconds=values["delaySeconds"],
        logging=values["logging"],
        tags=tuple(sorted(dict(tags).items())),
    )


OWNED_TAGS = (*TAGS, (OWNER_TAG, OWNER))


@dataclass
class Harness:
    """The configured provider plus direct (counted) access to the emulator's queues."""

    emu: EmulatorProcess
    provider: ImsProvider

    def mns(self, region: str = REGION) -> MnsClient:
        config = {
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        }
        credential = resolve_credentials(config, {})
        return MnsClient(region, credential, Transport(emulator=self.emu.base_url))

    def live(self, name: str = NAME, region: str = REGION) -> QueueAttributes | None:
        return self.mns(region).get_queue(name)

    def zero(self) -> None:
        self.emu.control.reset_counters()

    def calls(self, operation: str | None = None) -> int:
        counters = self.emu.control.counters()
        return counters["total"] if operation is None else counters["operations"].get(operation, 0)

    # -- the engine's side ------------------------------------------------------------------
    def checked(self, values: dict[str, Any], olds: dict[str, Any] | None = None) -> Any:
        request = p.CheckRequest(URN, props(olds or {}), props(values), b"seed")
        result = run(self.provider.check(request))
        assert not result.failures, [(f.property, f.reason) for f in result.failures]
        return result.inputs

    def create_raw(self, values: dict[str, Any], *, preview: bool = False) -> p.CreateResponse:
        request = p.CreateRequest(URN, props(values), TIMEOUT, preview)
        return run(self.provider.create(request))

    def create(self, values: dict[str, Any], *, preview: bool = False) -> tuple[str, Any]:
        """Check (as a new resource), then create; return the id and the output map."""
        request = p.CreateRequest(URN, self.checked(values), TIMEOUT, preview)
        result = run(self.provider.create(request))
        assert result.properties is not None
        return str(result.resource_id), result.properties

    def update(self, id_: str, outs: Any, values: dict[str, Any], *, preview: bool = False) -> Any:
        request = p.UpdateRequest(
            URN, id_, outs, props(values), TIMEOUT, ignore_changes=[], preview=preview
        )
        return run(self.provider.update(request)).properties

    def diff(self, id_: str, outs: Any, values: dict[str, Any]) -> p.DiffResponse:
        return run(self.provider.diff(p.DiffRequest(URN, id_, outs, props(values), [])))

    def read(self, id_: str, outs: Any, ins: Any = None) -> p.ReadResponse:
        return run(self.provider.read(p.ReadRequest(URN, id_, outs, ins or {})))

    def delete(self, id_: str, outs: Any) -> None:
        run(self.provider.delete(p.DeleteRequest(URN, id_, outs, TIMEOUT)))


@pytest.fixture
def h(emulator_process: EmulatorProcess) -> Harness:
    """Empty emulator state, zero counters, and a freshly configured provider."""
    emulator_process.control.reset()
    return Harness(emulator_process, configured(emulator_process))


# -- create ---------------------------------------------------------------------------------


def test_create_makes_the_queue_with_attributes_tags_and_owner_tag(h):
    id_, outs = h.create(inputs())
    assert (h.calls("CreateQueue"), h.calls()) == (1, 1)
    assert id_ == f"{REGION}/{NAME}"
    assert unwrap(outs) == inputs()
    assert secret_keys(outs) == set()
    assert h.live() == expected_live(inputs(), OWNED_TAGS)


def test_create_without_user_tags_still_sets_the_owner_tag(h):
    h.create(inputs(tags={}))
    live = h.live()
    assert live is not None
    assert live.tags == ((OWNER_TAG, OWNER),)


def test_create_in_another_region_uses_that_region(h):
    id_, _ = h.create(inputs(region=OTHER_REGION))
    assert id_ == f"{OTHER_REGION}/{NAME}"
    assert h.live(region=OTHER_REGION) is not None
    assert h.live(region=REGION) is None


def test_preview_create_calls_nothing(h):
    id_, outs = h.create(inputs(), preview=True)
    assert h.calls() == 0
    assert unwrap(outs) == inputs()
    assert id_ == f"{REGION}/{NAME}"
    assert h.live() is None


def test_create_takes_back_this_stacks_queue_from_an_interrupted_run(h):
    # An earlier `pulumi up` created the queue (other attributes then) but never recorded it.
    earlier = with_owner(replace(SETTINGS, retention_seconds=600, logging=False), OWNER)
    h.mns().create_queue(earlier)
    h.zero()
    id_, outs = h.create(inputs())
    assert id_ == f"{REGION}/{NAME}"
    assert unwrap(outs) == inputs()
    assert (h.calls("CreateQueue"), h.calls("GetQueueAttributes")) == (1, 1)
    assert h.calls("SetQueueAttributes") == 1
    assert h.live() == expected_live(inputs(), OWNED_TAGS)


def test_create_refuses_to_take_back_own_queue_whose_tags_changed_since(h):
    # The interrupted run created the queue with team=old; the config now says team=new.
    earlier = with_owner(replace(SETTINGS, tags=(("team", "old"),)), OWNER)
    h.mns().create_queue(earlier)
    with pytest.raises(ResourceError, match=r"put back tags \{'team': 'old'\}, or give the queue"):
        h.create(inputs(tags={"team": "new"}))
    assert h.live() == QueueAttributes.from_settings(earlier)  # untouched


FOREIGN_TAGS = {
    "no-tags": (),
    "user-tags-only": TAGS,
    "other-stack": ((OWNER_TAG, owner_value("ims-callbacks", "prod")),),
    "other-project": ((OWNER_TAG, owner_value("other-project", "test")),),
}


@pytest.mark.parametrize("tags", FOREIGN_TAGS.values(), ids=FOREIGN_TAGS.keys())
def test_create_refuses_a_queue_this_stack_did_not_create(h, tags):
    foreign = replace(SETTINGS, retention_seconds=600, logging=False, tags=tags)
    h.mns().create_queue(foreign)
    before = h.live()
    h.zero()
    with pytest.raises(ResourceError) as caught:
        h.create(inputs())
    message = str(caught.value)
    assert "\n" not in message
    assert f"MNS queue '{NAME}' already exists in {REGION}" in message
    assert f"`queue.existing: true` for {REGION}" in message
    assert f"pulumi import {QUEUE_TYPE} <name> {REGION}/{NAME}" in message
    assert "Refusing to take it over" in message
    assert h.calls("SetQueueAttributes") == h.calls("DeleteQueue") == 0
    assert h.live() == before == expected_live(queue_properties(REGION, foreign, OWNER), tags)


def test_create_other_errors_propagate_unchanged(h):
    # Only QueueAlreadyExist leads to the ownership check; any other failure is raised as is.
    with pytest.raises(CloudError) as caught:
        h.create_raw(inputs(maxMessageBytes=10))  # below MNS's minimum (check refuses it too)
    assert caught.value.code != QUEUE_ALREADY_EXIST
    assert caught.value.operation == "mns-open:CreateQueue"
    assert "\n" not in str(caught.value)
    assert h.calls("GetQueueAttributes") == 0
    assert h.live() is None


def test_a_forbidden_create_is_a_one_line_cloud_error(h):
    h.emu.control.add_fault("forbidden", operation="CreateQueue")
    with pytest.raises(CloudError, match="Forbidden") as caught:
        h.create(inputs())
    assert "\n" not in str(caught.value)
    assert h.live() is None


# -- update ---------------------------------------------------------------------------------


def test_update_sets_every_attribute(h):
    id_, outs = h.create(inputs())
    news = inputs(**OTHER_ATTRIBUTES)
    h.zero()
    result = h.update(id_, outs, news)
    assert unwrap(result) == news
    # One read to make sure the queue is still this stack's, then the update.
    assert (h.calls("GetQueueAttributes"), h.calls("SetQueueAttributes"), h.calls()) == (1, 1, 2)
    # Tags (incl. the owner tag) are kept: SetQueueAttributes does not touch them.
    assert h.live() == expected_live(news, OWNED_TAGS)


def test_update_of_a_single_attribute(h):
    id_, outs = h.create(inputs())
    h.update(id_, outs, inputs(retentionSeconds=600))
    live = h.live()
    assert live is not None
    assert (live.retention_seconds, live.visibility_timeout_seconds) == (600, 60)


def test_preview_update_calls_nothing(h):
    id_, outs = h.create(inputs())
    h.zero()
    result = h.update(id_, outs, inputs(retentionSeconds=600), preview=True)
    assert h.calls() == 0
    assert unwrap(result)["retentionSeconds"] == 600
    live = h.live()
    assert live is not None
    assert live.retention_seconds == 86400


# -- read -----------------------------------------------------------------------------------


def test_read_in_sync_returns_the_stored_outputs(h):
    id_, outs = h.create(inputs())
    h.zero()
    result = h.read(id_, outs, outs)
    assert (h.calls("GetQueueAttributes"), h.calls()) == (1, 1)
    assert result.resource_id == id_
    assert unwrap(result.properties) == unwrap(outs)
    assert unwrap(result.inputs) == inputs()
    assert h.diff(id_, result.properties, inputs()).changes is False  # no phantom diff


def test_read_of_the_dynamic_state_drops_its_provider(h):
    id_, outs = h.create(inputs())
    old = dict(outs) | {"__provider": PropertyValue("ZGlsbA==")}
    result = h.read(id_, old, old)
    assert unwrap(result.properties) == inputs()
    assert unwrap(result.inputs) == inputs()


def test_read_shows_a_console_change_and_diff_then_updates(h):
    id_, outs = h.create(inputs())
    console = replace(SETTINGS, retention_seconds=3600, delay_seconds=0)
    h.mns().update_queue(console)
    result = h.read(id_, outs, outs)
    assert result.resource_id == id_
    assert unwrap(result.properties) == inputs() | {"retentionSeconds": 3600, "delaySeconds": 0}
    diff = h.diff(id_, result.properties, inputs())
    assert (diff.changes, diff.replaces, diff.diffs) == (
        True,
        [],
        ["retentionSeconds", "delaySeconds"],
    )
    h.update(id_, result.properties, inputs())
    assert h.live() == expected_live(inputs(), OWNED_TAGS)


def test_read_of_a_queue_deleted_outside_returns_an_empty_id(h):
    id_, outs = h.create(inputs())
    assert h.mns().delete_queue(NAME) is True
    result = h.read(id_, outs, outs)
    assert result.resource_id == ""
    assert result.properties == {}


IMPORTS = {
    "foreign": ((), ""),
    "with-user-tags": (TAGS, ""),
    "own": (OWNED_TAGS, OWNER),
}


@pytest.mark.parametrize(("tags", "owner"), IMPORTS.values(), ids=IMPORTS)
def test_import_reads_the_live_queue_as_inputs_shaped_like_the_program(h, tags, owner):
    h.mns().create_queue(replace(SETTINGS, tags=tags))
    h.zero()
    result = h.read(f"{REGION}/{NAME}", {}, {})
    assert (h.calls("GetQueueAttributes"), h.calls()) == (1, 1)
    assert result.resource_id == f"{REGION}/{NAME}"
    user_tags = {k: v for k, v in tags if k != OWNER_TAG}
    want = inputs(owner=owner, tags=user_tags)
    assert unwrap(result.inputs) == unwrap(result.properties) == want
    assert set(result.inputs) == set(inputs()), "the same keys as the program's inputs"
    assert h.diff(result.resource_id, result.properties, want).changes is False


def test_import_of_a_missing_queue_finds_nothing(h):
    assert h.read(f"{REGION}/{NAME}", {}, {}).resource_id == ""


@pytest.mark.parametrize("bad_id", [NAME, f"mars-north-1/{NAME}", f"{REGION}/"])
def test_read_with_a_bad_id_names_the_expected_one(h, bad_id):
    with pytest.raises(ResourceError, match="its ID is <region>/<queue name>"):
        h.read(bad_id, {}, {})
    assert h.calls() == 0


def test_an_imported_queue_is_the_stacks_to_update_and_delete(h):
    h.mns().create_queue(SETTINGS)  # no owner tag
    result = h.read(f"{REGION}/{NAME}", {}, {})
    outs = h.update(
        result.resource_id, result.properties, unwrap(result.inputs) | {"delaySeconds": 0}
    )
    live = h.live()
    assert live is not None
    assert live.delay_seconds == 0
    h.delete(result.resource_id, outs)
    assert h.live() is None


# -- delete ---------------------------------------------------------------------------------


def test_delete_removes_the_queue(h):
    id_, outs = h.create(inputs())
    h.zero()
    h.delete(id_, outs)
    assert (h.calls("GetQueueAttributes"), h.calls("DeleteQueue")) == (1, 1)
    assert h.live() is None


def test_delete_of_a_queue_already_gone_is_not_an_error(h):
    id_, outs = h.create(inputs())
    h.delete(id_, outs)
    h.zero()
    h.delete(id_, outs)
    assert (h.calls("GetQueueAttributes"), h.calls("DeleteQueue")) == (1, 0)
    assert h.live() is None


def _replaced_by_someone_else(h: Harness) -> tuple[str, Any]:
    """A managed queue, deleted in the console and made again, untagged, by somebody else."""
    id_, outs = h.create(inputs())
    h.delete(id_, outs)
    h.mns().create_queue(replace(SETTINGS, retention_seconds=600, tags=()))
    return id_, outs


def test_read_drops_a_queue_that_somebody_else_made_again(h):
    id_, outs = _replaced_by_someone_else(h)
    assert h.read(id_, outs, outs).resource_id == ""


def test_update_refuses_a_queue_that_somebody_else_made_again(h):
    id_, outs = _replaced_by_someone_else(h)
    with pytest.raises(ResourceError, match="no longer the one this stack created"):
        h.update(id_, outs, inputs(**OTHER_ATTRIBUTES))
    live = h.live()
    assert live is not None
    assert live.retention_seconds == 600  # untouched


def test_delete_leaves_a_queue_that_somebody_else_made_again(h):
    id_, outs = _replaced_by_someone_else(h)
    h.zero()
    h.delete(id_, outs)
    assert h.calls("DeleteQueue") == 0
    assert h.live() is not None


def test_delete_leaves_other_queues_alone(h):
    h.mns().create_queue(replace(SETTINGS, name="neighbour"))
    id_, outs = h.create(inputs())
    h.delete(id_, outs)
    assert list_queues(h.mns()) == ["neighbour"]
