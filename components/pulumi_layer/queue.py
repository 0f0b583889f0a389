"""Dynamic provider for one region's MNS callback queue (mns-open 2022-01-19 via MnsClient).

The queue is managed here rather than with ``alicloud.message.ServiceQueue``: that resource
needs one alicloud provider (one plugin process) per region, and the engine starts plugins one
after another, so every MNS region added seconds to each preview (docs/performance.md, F2).
All dynamic resources share one provider process, which calls every region in parallel.

``create`` tags the queue with its owner stack. A queue left by an interrupted ``pulumi up``
(created, but not recorded) is taken back on the rerun; a queue made by anybody else is
refused, never taken over, and never updated or deleted. ``read`` reports the live
attributes, so ``pulumi refresh`` shows a queue changed or deleted in the console. Tags can
only be set at CreateQueue: changing them later is refused in ``check`` with the two ways out.
"""

from __future__ import annotations

# ruff: noqa: PLC0415 - the SDK is imported in the provider process only (see runtime.py)
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic as dyn

from components.core.models import QueueSettings
from components.core.ownership import OWNER_TAG, owned_by, owner_value, with_owner
from components.core.regions import REGION_IDS
from components.pulumi_layer.runtime import RuntimeProvider

if TYPE_CHECKING:
    from components.aliyun.mns import MnsClient, QueueAttributes

# Input property -> QueueSettings field, for the attributes SetQueueAttributes can change.
ATTRIBUTES = {
    "retentionSeconds": "retention_seconds",
    "visibilityTimeoutSeconds": "visibility_timeout_seconds",
    "pollingWaitSeconds": "polling_wait_seconds",
    "maxMessageBytes": "max_message_bytes",
    "delaySeconds": "delay_seconds",
    "logging": "logging",
}
REPLACE_KEYS = ("region", "queueName")


def queue_inputs(region: str, queue: QueueSettings, owner: str) -> dict[str, Any]:
    """The resource's input properties for ``queue`` in ``region``."""
    inputs: dict[str, Any] = {"region": region, "queueName": queue.name, "owner": owner}
    inputs.update({prop: getattr(queue, field) for prop, field in ATTRIBUTES.items()})
    inputs["tags"] = dict(queue.tags)
    return inputs


def _settings(props: Mapping[str, Any]) -> QueueSettings:
    """The queue to create or update (its tags include the owner tag)."""
    queue = QueueSettings(
        name=str(props["queueName"]),
        existing=False,
        retention_seconds=int(props["retentionSeconds"]),
        visibility_timeout_seconds=int(props["visibilityTimeoutSeconds"]),
        polling_wait_seconds=int(props["pollingWaitSeconds"]),
        max_message_bytes=int(props["maxMessageBytes"]),
        delay_seconds=int(props["delaySeconds"]),
        logging=bool(props["logging"]),
        tags=tuple(sorted((props.get("tags") or {}).items())),
    )
    return with_owner(queue, str(props["owner"]))


def _tags(props: Mapping[str, Any]) -> dict[str, str]:
    return dict(props.get("tags") or {})


class QueueProvider(RuntimeProvider):
    """CRUD for an MNS queue that receives IMS event callbacks."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Static checks only (no API call): the region, and tags that cannot change."""
        failures: list[dyn.CheckFailure] = []
        region = news.get("region")
        if region not in REGION_IDS:
            failures.append(dyn.CheckFailure("region", f"unknown IMS region {region!r}"))
        same_queue = all(olds.get(k) == news.get(k) for k in REPLACE_KEYS)
        if olds and same_queue and _tags(olds) != _tags(news):
            failures.append(
                dyn.CheckFailure(
                    "tags", _tags_changed(str(region), str(news.get("queueName")), _tags(olds))
                )
            )
        return dyn.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """A new region or name is a new queue; other attributes are updated in place."""
        replaces = [k for k in REPLACE_KEYS if olds.get(k) != news.get(k)]
        changed = [k for k in ATTRIBUTES if olds.get(k) != news.get(k)]
        return dyn.DiffResult(
            changes=bool(replaces or changed),
            replaces=replaces,
            stables=[] if replaces else list(REPLACE_KEYS),
            delete_before_replace=False,
        )

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """CreateQueue; a queue with this stack's owner tag is taken back, any other refused."""
        from components.aliyun.errors import CloudError
        from components.aliyun.mns import QUEUE_ALREADY_EXIST

        region, queue = str(props["region"]), _settings(props)
        client = self.runtime.mns(region)
        try:
            client.create_queue(queue)
        except CloudError as err:
            if err.code != QUEUE_ALREADY_EXIST:
                raise
            live = client.get_queue(queue.name)
            if live is None or not owned_by(dict(live.tags), str(props["owner"])):
                raise RuntimeError(_refusal(region, queue.name)) from None
            if live.tags != queue.tags:  # ours, but the tags were edited since
                raise RuntimeError(_tags_changed(region, queue.name, dict(live.tags))) from None
            client.update_queue(queue)  # our own, from an interrupted run
        return dyn.CreateResult(f"{region}/{queue.name}", dict(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """SetQueueAttributes with every managed attribute, on the queue this stack created."""
        region, queue = str(news["region"]), _settings(news)
        client = self.runtime.mns(region)
        if _owned(client, news) is None:
            raise RuntimeError(_replaced(region, queue.name))
        client.update_queue(queue)
        return dyn.UpdateResult(dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """The live attributes; an empty id (Pulumi drops the resource) when the queue is gone,
        or was deleted and made again by somebody else (it lacks this stack's owner tag)."""
        live = _owned(self.runtime.mns(str(props["region"])), props)
        if live is None:
            return dyn.ReadResult("", {})
        outs = dict(props)
        outs.update({prop: getattr(live, field) for prop, field in ATTRIBUTES.items()})
        outs["tags"] = {k: v for k, v in live.tags if k != OWNER_TAG}
        return dyn.ReadResult(id_, outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """DeleteQueue; a queue already gone, or somebody else's by now, is left alone."""
        client = self.runtime.mns(str(props["region"]))
        if _owned(client, props) is not None:
            client.delete_queue(str(props["queueName"]))


def _owned(client: MnsClient, props: Mapping[str, Any]) -> QueueAttributes | None:
    """The live queue of ``props``, or None if it is gone or lacks the stack's owner tag."""
    live = client.get_queue(str(props["queueName"]))
    if live is None or not owned_by(dict(live.tags), str(props["owner"])):
        return None
    return live


def _replaced(region: str, name: str) -> str:
    return (
        f"MNS queue {name!r} in {region} is gone or no longer the one this stack created "
        f"(it lacks the stack's owner tag); run `pulumi refresh` and then `pulumi up`, which "
        f"creates it again or says why it cannot"
    )


def _tags_changed(region: str, name: str, tags: Mapping[str, str]) -> str:
    shown = {k: v for k, v in tags.items() if k != OWNER_TAG}
    return (
        f"the tags of MNS queue {name!r} in {region} cannot change after it is created "
        f"(mns-open sets them only at CreateQueue); put back tags {shown}, or give the queue "
        f"a new name (a new queue is created and the callback moves to it)"
    )


def _refusal(region: str, name: str) -> str:
    return (
        f"MNS queue {name!r} already exists in {region} and this stack did not create it "
        f"(it lacks the owner tag of this stack). Refusing to take it over. To deliver to it "
        f"as it is, set `ims-callbacks:callbacks.regions.{region}.queue.existing: true`; "
        f"otherwise choose another queue name."
    )


class CallbackQueue(dyn.Resource, module="mns", name="CallbackQueue"):
    """An MNS queue for IMS callbacks, managed by :class:`QueueProvider`."""

    queueName: pulumi.Output[str]  # noqa: N815 - Pulumi property name

    def __init__(
        self,
        name: str,
        region: str,
        queue: QueueSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the queue; it is tagged as created by this project and stack."""
        owner = owner_value(pulumi.get_project(), pulumi.get_stack())
        super().__init__(QueueProvider(), name, queue_inputs(region, queue, owner), opts)
