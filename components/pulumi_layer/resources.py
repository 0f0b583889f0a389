"""The ``ims`` provider's custom resources as the Python program declares them."""

from __future__ import annotations

from typing import Any

import pulumi

from components.core.compare import queue_values
from components.core.models import QueueSettings, RegionSettings
from components.core.ownership import owner_value
from components.core.schema_fields import CALLBACK_QUEUE, EVENT_CALLBACK
from components.pulumi_layer.migration import (
    DYNAMIC_CALLBACK_TYPE,
    DYNAMIC_QUEUE_TYPE,
    with_old_type,
)


def queue_properties(region: str, queue: QueueSettings, owner: str) -> dict[str, Any]:
    """The CallbackQueue input properties for ``queue`` in ``region``, created by ``owner``."""
    props: dict[str, Any] = {"region": region, "queueName": queue.name, "owner": owner}
    props.update(queue_values(queue))
    props["tags"] = dict(queue.tags)
    return props


class EventCallback(pulumi.CustomResource):
    """``ims:index:EventCallback``: the IMS event-callback setting of one region."""

    region: pulumi.Output[str]
    authKey: pulumi.Output[str]  # noqa: N815 - Pulumi property name

    def __init__(
        self, name: str, settings: RegionSettings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the setting ``settings`` asks for; the auth key is always a secret."""
        desired = settings.desired()
        key = settings.auth_key.get_secret_value() if settings.auth_key else ""
        props: dict[str, Any] = {
            "region": settings.region,
            "callbackType": desired.callback_type,
            "url": desired.url,
            "queueName": desired.queue_name,
            "events": list(desired.events),
            "authEnabled": desired.auth_enabled,
            "authKey": pulumi.Output.secret(key) if key else None,
            "adopt": settings.adopt,
            "onDelete": settings.on_delete,
            "checkQueue": bool(settings.queue is not None and settings.queue.existing),
            "previous": None,
            "authKeyGenerated": None,
        }
        secrets = pulumi.ResourceOptions(additional_secret_outputs=list(EVENT_CALLBACK.secrets))
        opts = with_old_type(DYNAMIC_CALLBACK_TYPE, pulumi.ResourceOptions.merge(opts, secrets))
        super().__init__(EVENT_CALLBACK.token, name, props, opts)


class CallbackQueue(pulumi.CustomResource):
    """``ims:index:CallbackQueue``: an MNS queue for IMS callbacks, tagged with its owner."""

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
        opts = with_old_type(DYNAMIC_QUEUE_TYPE, opts)
        super().__init__(CALLBACK_QUEUE.token, name, queue_properties(region, queue, owner), opts)
