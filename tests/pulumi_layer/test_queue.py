"""QueueProvider's methods called directly, against the emulator (no Pulumi engine).

The provider is configured as ``python -m pulumi.dynamic`` does it, then each method is called
with the engine's arguments: ``check(old inputs, new inputs)``, ``diff``/``update`` with the old
OUTPUTS, ``read``/``delete`` with the stored outputs. The live queue is read with MnsClient,
and the emulator's per-operation counters check what went on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import dill  # type: ignore[import-untyped]
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.errors import CloudError
from components.aliyun.mns import QUEUE_ALREADY_EXIST, MnsClient, QueueAttributes
from components.core.models import QueueSettings
from components.core.ownership import OWNER_TAG, owner_value, with_owner
from components.pulumi_layer.queue import ATTRIBUTES, QueueProvider, queue_inputs
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess
from tests.pulumi_layer.conftest import configured, pickled, stack_config

REGION = "cn-shanghai"
OTHER_REGION = "cn-beijing"
NAME = "ice-callback-queue-test"
OWNER = owner_value("ims-callbacks", "test")
TAGS = (("env", "test"), ("team", "media"))
PROVIDER = serialize_provider(QueueProvider())

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
    """The inputs CallbackQueue registers for SETTINGS (plus ``__provider``, as the engine has)."""
    return queue_inputs(REGION, SETTINGS, OWNER) | {"__provider": PROVIDER} | changes


def expected_live(props: dict[str, Any], tags: tuple[tuple[str, str], ...] = TAGS) -> Any:
    """What GetQueueAttributes should report for a queue created from ``props``."""
    return QueueAttributes(
        name=props["queueName"],
        queue_type="normal",
        retention_seconds=props["retentionSeconds"],
        visibility_timeout_seconds=props["visibilityTimeoutSeconds"],
        polling_wait_seconds=props["pollingWaitSeconds"],
        max_message_bytes=props["maxMessageBytes"],
        delay_seconds=props["delaySeconds"],
        logging=props["logging"],
        tags=tuple(sorted(dict(tags).items())),
    )


@dataclass
class Harness:
    """The configured provider plus direct (counted) access to the emulator's queues."""

    emu: EmulatorProcess
    provider: QueueProvider

    def mns(self, region: str = REGION) -> MnsClient:
        credential = resolve_credentials(stack_config(self.emu), {})
        return MnsClient(region, credential, Transport(emulator=self.emu.base_url))

    def live(self, name: str = NAME, region: str = REGION) -> QueueAttributes | None:
        return self.mns(region).get_queue(name)

    def zero(self) -> None:
        self.emu.control.reset_counters()

    def calls(self, operation: str | None = None) -> int:
        counters = self.emu.control.counters()
        return counters["total"] if operation is None else counters["operations"].get(operation, 0)

    def create(self, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Check (as a new resource), then create; return the id and outputs."""
        checked = self.provider.check({}, dict(props))
        assert checked.failures == []
        assert checked.inputs is not None
        result = self.provider.create(dict(checked.inputs))
        assert result.outs is not None
        return str(result.id), result.outs


@pytest.fixture
def h(emulator_process: EmulatorProcess) -> Harness:
    """Empty emulator state, zero counters, and a freshly configured provider."""
    emulator_process.control.reset()
    return Harness(emulator_process, configured(QueueProvider(), emulator_process))


# -- queue_inputs ---------------------------------------------------------------------------


def test_queue_inputs_carry_every_attribute_and_the_owner_separately():
    assert queue_inputs(REGION, SETTINGS, OWNER) == {
        "region": REGION,
        "queueName": NAME,
        "owner": "ims-callbacks/test",
        "retentionSeconds": 86400,
        "visibilityTimeoutSeconds": 60,
        "pollingWaitSeconds": 10,
        "maxMessageBytes": 32768,
        "delaySeconds": 5,
        "logging": True,
        "tags": {"env": "test", "team": "media"},
    }


# -- check: static only ---------------------------------------------------------------------


def test_check_unknown_region_fails_on_region_without_any_call(h):
    result = h.provider.check({}, inputs(region="xx-nowhere-1"))
    assert [(f.property, f.reason) for f in result.failures] == [
        ("region", "unknown IMS region 'xx-nowhere-1'")
    ]
    assert h.calls() == 0


def test_check_first_time_with_tags_passes(h):
    news = inputs()
    result = h.provider.check({}, news)
    assert result.failures == []
    assert result.inputs == news
    assert h.calls() == 0


@pytest.mark.parametrize(
    "new_tags",
    [
        {"env": "prod", "team": "media"},  # a value changed
        {"env": "test"},  # a tag removed
        {"env": "test", "team": "media", "cost": "42"},  # a tag added
        {},  # all removed
    ],
)
def test_check_refuses_a_tag_change_on_the_same_queue(h, new_tags):
    result = h.provider.check(inputs(), inputs(tags=new_tags, retentionSeconds=600))
    assert [f.property for f in result.failures] == ["tags"]
    reason = result.failures[0].reason
    assert f"MNS queue '{NAME}' in {REGION} cannot change" in reason
    assert "put back tags {'env': 'test', 'team': 'media'}" in reason  # way out 1
    assert "give the queue a new name" in reason  # way out 2
    assert h.calls() == 0


def test_check_refuses_adding_tags_to_a_queue_created_without():
    olds = inputs(tags={})
    result = QueueProvider().check(olds, inputs())
    assert [f.property for f in result.failures] == ["tags"]
    assert "put back tags {}" in result.failures[0].reason


@pytest.mark.parametrize(
    "move", [{"queueName": "ice-callback-renamed"}, {"region": OTHER_REGION}], ids=str
)
def test_check_allows_a_tag_change_with_a_new_queue(h, move):
    news = inputs(tags={"env": "prod"}, **move)
    result = h.provider.check(inputs(), news)
    assert result.failures == []
    assert result.inputs == news
    assert h.calls() == 0


def test_check_allows_attribute_changes_and_reordered_tags():
    news = inputs(tags={"team": "media", "env": "test"}, **OTHER_ATTRIBUTES)
    assert QueueProvider().check(inputs(), news).failures == []


def test_check_reports_region_and_tags_together():
    # Region unchanged (and unknown) with new tags: both problems at once.
    olds = inputs(region="xx-nowhere-1")
    result = QueueProvider().check(olds, inputs(region="xx-nowhere-1", tags={}))
    assert sorted(f.property for f in result.failures) == ["region", "tags"]


# -- diff: no API call ----------------------------------------------------------------------


def test_diff_without_change_has_no_changes(h):
    result = h.provider.diff(f"{REGION}/{NAME}", inputs(), inputs())
    assert result.changes is False
    assert result.replaces == []
    assert result.stables == ["region", "queueName"]
    assert h.calls() == 0


def test_diff_ignores_float_numbers_from_the_engine(h):
    # The engine hands numbers back as floats (protobuf Struct).
    olds = inputs(**{k: float(v) for k, v in OTHER_ATTRIBUTES.items() if k != "logging"})
    news = inputs(**{k: v for k, v in OTHER_ATTRIBUTES.items() if k != "logging"})
    assert h.provider.diff(f"{REGION}/{NAME}", olds, news).changes is False


@pytest.mark.parametrize("prop", sorted(ATTRIBUTES))
def test_diff_attribute_change_is_an_update(h, prop):
    result = h.provider.diff(f"{REGION}/{NAME}", inputs(), inputs(**{prop: OTHER_ATTRIBUTES[prop]}))
    assert result.changes is True
    assert result.replaces == []
    assert result.stables == ["region", "queueName"]
    assert result.delete_before_replace is False
    assert h.calls() == 0


@pytest.mark.parametrize(
    ("prop", "value"), [("queueName", "ice-callback-renamed"), ("region", OTHER_REGION)]
)
def test_diff_name_or_region_change_replaces(h, prop, value):
    result = h.provider.diff(f"{REGION}/{NAME}", inputs(), inputs(**{prop: value}))
    assert result.changes is True
    assert result.replaces == [prop]
    assert result.stables == []
    assert result.delete_before_replace is False  # create the new queue first
    assert h.calls() == 0


def test_diff_rename_with_attribute_change_replaces_only_the_name():
    news = inputs(queueName="ice-callback-renamed", retentionSeconds=600)
    result = QueueProvider().diff(f"{REGION}/{NAME}", inputs(), news)
    assert (result.changes, result.replaces) == (True, ["queueName"])


# -- create ---------------------------------------------------------------------------------


def test_create_makes_the_queue_with_attributes_tags_and_owner_tag(h):
    id_, outs = h.create(inputs())
    assert (h.calls("CreateQueue"), h.calls()) == (1, 1)
    assert id_ == f"{REGION}/{NAME}"
    assert outs == inputs()
    assert h.live() == expected_live(inputs(), (*TAGS, (OWNER_TAG, OWNER)))


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


def test_create_takes_back_this_stacks_queue_from_an_interrupted_run(h):
    # An earlier `pulumi up` created the queue (other attributes then) but never recorded it.
    earlier = with_owner(replace(SETTINGS, retention_seconds=600, logging=False), OWNER)
    h.mns().create_queue(earlier)
    h.zero()
    id_, outs = h.create(inputs())
    assert id_ == f"{REGION}/{NAME}"
    assert outs == inputs()
    assert (h.calls("CreateQueue"), h.calls("GetQueueAttributes")) == (1, 1)
    assert h.calls("SetQueueAttributes") == 1
    assert h.live() == expected_live(inputs(), (*TAGS, (OWNER_TAG, OWNER)))


def test_create_refuses_to_take_back_own_queue_whose_tags_changed_since(h):
    # The interrupted run created the queue with team=old; the config now says team=new.
    earlier = with_owner(replace(SETTINGS, tags=(("team", "old"),)), OWNER)
    h.mns().create_queue(earlier)
    with pytest.raises(RuntimeError, match=r"put back tags \{'team': 'old'\}, or give the queue"):
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
    with pytest.raises(RuntimeError) as caught:
        h.create(inputs())
    message = str(caught.value)
    assert f"MNS queue '{NAME}' already exists in {REGION}" in message
    assert f"`ims-callbacks:callbacks.regions.{REGION}.queue.existing: true`" in message
    assert "Refusing to take it over" in message
    assert h.calls("SetQueueAttributes") == h.calls("DeleteQueue") == 0
    assert h.live() == before == expected_live(queue_inputs(REGION, foreign, OWNER), tags)


def test_create_other_errors_propagate_unchanged(h):
    # Only QueueAlreadyExist leads to the ownership check; any other failure is raised as is.
    with pytest.raises(CloudError) as caught:
        h.provider.create(inputs(maxMessageBytes=10))  # below MNS's minimum of 1024
    assert caught.value.code != QUEUE_ALREADY_EXIST
    assert caught.value.operation == "mns-open:CreateQueue"
    assert h.calls("GetQueueAttributes") == 0
    assert h.live() is None


# -- update ---------------------------------------------------------------------------------


def test_update_sets_every_attribute(h):
    id_, outs = h.create(inputs())
    news = inputs(**OTHER_ATTRIBUTES)
    h.zero()
    result = h.provider.update(id_, outs, news)
    assert result.outs == news
    # One read to make sure the queue is still this stack's, then the update.
    assert (h.calls("GetQueueAttributes"), h.calls("SetQueueAttributes"), h.calls()) == (1, 1, 2)
    # Tags (incl. the owner tag) are kept: SetQueueAttributes does not touch them.
    assert h.live() == expected_live(news, (*TAGS, (OWNER_TAG, OWNER)))


def test_update_of_a_single_attribute(h):
    id_, outs = h.create(inputs())
    h.provider.update(id_, outs, inputs(retentionSeconds=600))
    live = h.live()
    assert live is not None
    assert (live.retention_seconds, live.visibility_timeout_seconds) == (600, 60)


# -- read -----------------------------------------------------------------------------------


def test_read_in_sync_returns_the_stored_outputs(h):
    id_, outs = h.create(inputs())
    h.zero()
    result = h.provider.read(id_, dict(outs))
    assert (h.calls("GetQueueAttributes"), h.calls()) == (1, 1)
    assert result.id == id_
    assert result.outs == outs
    assert result.outs is not None
    assert h.provider.diff(id_, result.outs, inputs()).changes is False  # no phantom diff


def test_read_shows_a_console_change_and_diff_then_updates(h):
    id_, outs = h.create(inputs())
    console = replace(SETTINGS, retention_seconds=3600, delay_seconds=0)
    h.mns().update_queue(console)
    result = h.provider.read(id_, dict(outs))
    assert result.id == id_
    assert result.outs == outs | {"retentionSeconds": 3600, "delaySeconds": 0}
    diff = h.provider.diff(id_, result.outs, inputs())
    assert (diff.changes, diff.replaces) == (True, [])
    h.provider.update(id_, result.outs, inputs())
    assert h.live() == expected_live(inputs(), (*TAGS, (OWNER_TAG, OWNER)))


def test_read_of_a_queue_deleted_outside_returns_an_empty_id(h):
    id_, outs = h.create(inputs())
    assert h.mns().delete_queue(NAME) is True
    result = h.provider.read(id_, dict(outs))
    assert result.id == ""
    assert result.outs == {}


# -- delete ---------------------------------------------------------------------------------


def test_delete_removes_the_queue(h):
    id_, outs = h.create(inputs())
    h.zero()
    h.provider.delete(id_, dict(outs))
    assert (h.calls("GetQueueAttributes"), h.calls("DeleteQueue")) == (1, 1)
    assert h.live() is None


def test_delete_of_a_queue_already_gone_is_not_an_error(h):
    id_, outs = h.create(inputs())
    h.provider.delete(id_, dict(outs))
    h.zero()
    h.provider.delete(id_, dict(outs))
    assert (h.calls("GetQueueAttributes"), h.calls("DeleteQueue")) == (1, 0)
    assert h.live() is None


def _replaced_by_someone_else(h: Any) -> tuple[str, dict[str, Any]]:
    """A managed queue, deleted in the console and made again, untagged, by somebody else."""
    id_, outs = h.create(inputs())
    h.provider.delete(id_, dict(outs))
    h.mns().create_queue(replace(SETTINGS, retention_seconds=600, tags=()))
    return id_, dict(outs)


def test_read_drops_a_queue_that_somebody_else_made_again(h):
    id_, outs = _replaced_by_someone_else(h)
    assert h.provider.read(id_, outs).id == ""


def test_update_refuses_a_queue_that_somebody_else_made_again(h):
    id_, outs = _replaced_by_someone_else(h)
    with pytest.raises(RuntimeError, match="no longer the one this stack created"):
        h.provider.update(id_, outs, inputs(**OTHER_ATTRIBUTES))
    live = h.live()
    assert live is not None
    assert live.retention_seconds == 600  # untouched


def test_delete_leaves_a_queue_that_somebody_else_made_again(h):
    id_, outs = _replaced_by_someone_else(h)
    h.zero()
    h.provider.delete(id_, outs)
    assert h.calls("DeleteQueue") == 0
    assert h.live() is not None


def test_delete_leaves_other_queues_alone(h):
    h.mns().create_queue(replace(SETTINGS, name="neighbour"))
    id_, outs = h.create(inputs())
    h.provider.delete(id_, dict(outs))
    assert h.mns().list_queues() == ["neighbour"]


# -- what Pulumi pickles into the state ------------------------------------------------------


def test_configured_provider_pickle_carries_no_secrets(h):
    h.create(inputs())
    assert h.provider.runtime.stack_config["alicloud:secretKey"] == DEFAULT_ACCESS_KEY_SECRET
    payload = pickled(h.provider)
    assert len(payload) < 256
    for secret in (DEFAULT_ACCESS_KEY_SECRET, DEFAULT_ACCESS_KEY_ID, h.emu.base_url):
        assert secret.encode() not in payload
    assert dill.loads(payload)._runtime is None  # noqa: S301 - our own bytes
