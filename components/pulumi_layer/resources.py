"""The ``ims`` provider's resources as the Python program declares them.

Each alias names the dynamic resource of the same name that stacks deployed before the native
provider hold (docs/migration.md): the engine moves it to the new type and provider in place,
with no call to the cloud.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.core.compare import queue_values
from components.core.models import QueueSettings
from components.core.ownership import owner_value
from components.core.schema_fields import EVENT_CALLBACK, secret_names
from components.core.settings import RegionSettings

COMPONENT_TYPE = "ims:index:ImsCallbacks"
REGION_COMPONENT_TYPE = "ims:index:RegionCallbacks"
CALLBACK_TYPE = "ims:index:EventCallback"
QUEUE_TYPE = "ims:index:CallbackQueue"
DYNAMIC_CALLBACK_TYPE = "pulumi-python:dynamic/ims:EventCallback"
DYNAMIC_QUEUE_TYPE = "pulumi-python:dynamic/mns:CallbackQueue"
CALLBACK_SECRETS = secret_names((*EVENT_CALLBACK.inputs, *EVENT_CALLBACK.outputs))
"""The EventCallback properties kept secret (``authKey``, ``previous``)."""


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
        opts = pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                additional_secret_outputs=list(CALLBACK_SECRETS),
                aliases=[pulumi.Alias(type_=DYNAMIC_CALLBACK_TYPE)],
            ),
        )
        super().__init__(CALLBACK_TYPE, name, props, opts)


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
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=DYNAMIC_QUEUE_TYPE)])
        )
        super().__init__(QUEUE_TYPE, name, queue_properties(region, queue, owner), opts)
