"""``ims:index:CallbackQueue``: an MNS queue IMS delivers callbacks to (ID ``<region>/<name>``).

The queue carries its owner stack's tag: only a queue with this stack's tag is taken back,
updated or deleted. Tags are set only at CreateQueue, so ``check`` refuses a change of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.provider.experimental import provider as p
from pydantic import ValidationError

from components.aliyun.errors import CloudError
from components.aliyun.mns import QUEUE_ALREADY_EXIST, MnsClient, QueueAttributes
from components.core.compare import queue_changes, queue_values
from components.core.models import QueueConfig, QueueSettings
from components.core.ownership import OWNER_TAG, owned_by, with_owner
from components.core.regions import REGION_IDS
from components.core.schema_fields import CALLBACK_QUEUE, QUEUE_ATTRIBUTE_FIELDS
from components.provider.cloud import Cloud
from components.provider.errors import ResourceError
from components.provider.properties import Plain, Unknown, has_unknowns, plain_map, wrap_map
from components.pulumi_layer.migration import without_dynamic_keys

TYPE = CALLBACK_QUEUE.token
REPLACE_PROPERTIES = ("region", "queueName")
_CONFIG_KEYS = {
    f.name: QueueConfig.model_fields[f.snake].alias or f.snake
    for f in CALLBACK_QUEUE.inputs
    if f.snake in QueueConfig.model_fields
}
"""Property -> key of the stack config's ``queue`` whose rules check it (queueName -> name)."""


def _settings(props: Mapping[str, Any]) -> QueueSettings:
    """The queue to create or update; its tags include the owner tag when there is an owner."""
    queue = QueueSettings(
        name=str(props["queueName"]),
        existing=False,
        tags=tuple(sorted(_tags(props).items())),
        **_attributes(props),
    )
    owner = str(props.get("owner") or "")
    return with_owner(queue, owner) if owner else queue


def _attributes(props: Mapping[str, Any]) -> dict[str, Any]:
    """The managed attributes of checked inputs, by attribute name (numbers and flags)."""
    return {
        f.snake: int(props[f.name]) if f.type == "integer" else bool(props[f.name])
        for f in QUEUE_ATTRIBUTE_FIELDS
    }


def _tags(props: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (props.get("tags") or {}).items()}


def _defaults() -> Plain:
    defaults = QueueConfig()
    return queue_values(defaults)


def check(request: p.CheckRequest) -> p.CheckResponse:
    """Static checks (no API call): region, name, attribute bounds, and tags that cannot change."""
    news = without_dynamic_keys(plain_map(request.new_inputs))
    olds = plain_map(request.old_inputs)
    failures: list[p.CheckFailure] = []
    region = news.get("region")
    if not isinstance(region, Unknown) and region not in REGION_IDS:
        failures.append(p.CheckFailure("region", f"unknown IMS region {region!r}"))
    if has_unknowns(news):
        return p.CheckResponse(inputs=request.new_inputs, failures=failures)
    news = _defaults() | {"tags": {}, "owner": ""} | news
    try:
        QueueConfig.model_validate({key: news.get(prop) for prop, key in _CONFIG_KEYS.items()})
    except ValidationError as err:
        props = {key: prop for prop, key in _CONFIG_KEYS.items()}
        for item in err.errors():
            prop = props.get(str(item["loc"][0]) if item["loc"] else "", "queueName")
            failures.append(p.CheckFailure(prop, f"{prop} {item['msg']}"))
    same_queue = all(olds.get(k) == news.get(k) for k in REPLACE_PROPERTIES)
    if olds and same_queue and _tags(olds) != _tags(news):
        failures.append(
            p.CheckFailure(
                "tags", _tags_changed(str(region), str(news.get("queueName")), _tags(olds))
            )
        )
    return p.CheckResponse(inputs=wrap_map(news), failures=failures)


def diff(request: p.DiffRequest) -> p.DiffResponse:
    """A new region or name is a new queue; other attributes are updated in place."""
    olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
    replace_kind = p.PropertyDiff(p.PropertyDiffKind.UPDATE_REPLACE, input_diff=False)
    update_kind = p.PropertyDiff(p.PropertyDiffKind.UPDATE, input_diff=False)
    replaces = [k for k in REPLACE_PROPERTIES if olds.get(k) != news.get(k)]
    changed = list(queue_changes(olds, news))
    detailed = dict.fromkeys(changed, update_kind) | dict.fromkeys(replaces, replace_kind)
    return p.DiffResponse(
        changes=bool(replaces or changed),
        replaces=replaces,
        stables=[] if replaces else list(REPLACE_PROPERTIES),
        diffs=[*replaces, *changed],
        detailed_diff=detailed,
    )


def _owned(client: MnsClient, props: Mapping[str, Any]) -> QueueAttributes | None:
    """The live queue of ``props``, or None if it is gone or lacks the stack's owner tag.

    An imported queue has no owner (``""``): importing it made it the stack's.
    """
    live = client.get_queue(str(props["queueName"]))
    owner = str(props.get("owner") or "")
    if live is None or (owner and not owned_by(dict(live.tags), owner)):
        return None
    return live


def _create(client: MnsClient, props: Mapping[str, Any]) -> None:
    region, queue = client.region, _settings(props)
    try:
        client.create_queue(queue)
    except CloudError as err:
        if err.code != QUEUE_ALREADY_EXIST:
            raise
        live = client.get_queue(queue.name)
        owner = str(props.get("owner") or "")
        if live is None or not owner or not owned_by(dict(live.tags), owner):
            raise ResourceError(_refusal(region, queue.name)) from None
        if live.tags != queue.tags:  # ours, but the tags were edited since
            raise ResourceError(_tags_changed(region, queue.name, dict(live.tags))) from None
        client.update_queue(queue)  # our own, from an interrupted run


async def create(cloud: Cloud, request: p.CreateRequest) -> p.CreateResponse:
    """CreateQueue; a queue with this stack's owner tag is taken back, any other refused."""
    props = plain_map(request.properties)
    resource_id = f"{props['region']}/{props['queueName']}"
    if not request.preview:
        await cloud.run(_create, cloud.mns(str(props["region"])), props)
    return p.CreateResponse(resource_id, wrap_map(props))


def _update(client: MnsClient, props: Mapping[str, Any]) -> None:
    if _owned(client, props) is None:
        raise ResourceError(_replaced(client.region, str(props["queueName"])))
    client.update_queue(_settings(props))


async def update(cloud: Cloud, request: p.UpdateRequest) -> p.UpdateResponse:
    """SetQueueAttributes with every managed attribute, on the queue this stack owns."""
    props = plain_map(request.news)
    if not request.preview:
        await cloud.run(_update, cloud.mns(str(props["region"])), props)
    return p.UpdateResponse(wrap_map(props))


def _split_id(resource_id: str) -> tuple[str, str]:
    region, _, name = resource_id.partition("/")
    if region not in REGION_IDS or not name:
        raise ResourceError(
            f"cannot read {TYPE} {resource_id!r}: its ID is <region>/<queue name>, "
            "e.g. cn-shanghai/ice-callback-prod"
        )
    return region, name


async def read(cloud: Cloud, request: p.ReadRequest) -> p.ReadResponse:
    """Live attributes (refresh), or an existing queue taken into the stack (import).

    A queue deleted in the console, or deleted and made again by somebody else (it lacks the
    owner tag), is reported gone: an empty ID, so Pulumi drops it from the state.
    """
    region, name = _split_id(request.resource_id)
    stored = plain_map(request.properties)
    client = cloud.mns(region)
    if stored:
        stored = without_dynamic_keys(stored)
        live = await cloud.run(_owned, client, stored)
        owner = str(stored.get("owner") or "")
    else:
        live = await cloud.run(client.get_queue, name)
        owner = dict(live.tags).get(OWNER_TAG, "") if live else ""
    if live is None:
        return p.ReadResponse(resource_id="")
    props: Plain = {"region": region, "queueName": name, "owner": owner}
    props.update(queue_values(live))
    props["tags"] = {k: v for k, v in live.tags if k != OWNER_TAG}
    return p.ReadResponse(request.resource_id, wrap_map(props), wrap_map(props))


def _delete(client: MnsClient, props: Mapping[str, Any]) -> None:
    if _owned(client, props) is not None:
        client.delete_queue(str(props["queueName"]))


async def delete(cloud: Cloud, request: p.DeleteRequest) -> None:
    """DeleteQueue; a queue already gone, or somebody else's by now, is left alone."""
    props = plain_map(request.properties)
    await cloud.run(_delete, cloud.mns(str(props["region"])), props)


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
        f"(it lacks the owner tag of this stack). Refusing to take it over: deliver to it as "
        f"it is with `queue.existing: true` for {region}, import it with `pulumi import "
        f"{TYPE} <name> {region}/{name}`, or choose another queue name"
    )
