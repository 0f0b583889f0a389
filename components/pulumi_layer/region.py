"""One region: the MNS queue, the grant that lets IMS write to it, and the callback setting."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi_alicloud import Provider, ProviderEndpointArgs
from pulumi_alicloud.message import ServiceQueue
from pulumi_alicloud.ram import Policy, RolePolicyAttachment

from components.core.settings import QueueSettings, RegionSettings
from components.pulumi_layer.provider import EventCallback

COMPONENT_TYPE = "ims-callbacks:index:RegionCallbacks"


def send_policy_document(region: str, queue_name: str) -> str:
    """Least-privilege RAM policy: ``mns:SendMessage`` on exactly this callback queue."""
    return json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["mns:SendMessage"],
                    "Resource": [f"acs:mns:{region}:*:/queues/{queue_name}/messages"],
                }
            ],
        },
        sort_keys=True,
    )


def regional_provider(
    name: str, region: str, emulator: str | None, parent: pulumi.Resource
) -> Provider:
    """An alicloud provider for one region (pointed at the emulator's MNS API when set)."""
    extra: dict[str, Any] = {}
    if emulator:
        extra = {
            "protocol": "HTTP",
            "skip_region_validation": True,
            "endpoints": [ProviderEndpointArgs(mns_open=emulator)],
        }
    return Provider(name, region=region, opts=pulumi.ResourceOptions(parent=parent), **extra)


class RegionCallbacks(pulumi.ComponentResource):
    """Everything IMS needs in one region to deliver events where the stack says."""

    callback: EventCallback

    def __init__(
        self,
        name: str,
        settings: RegionSettings,
        *,
        role_name: pulumi.Input[str] | None,
        emulator: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the queue (unless existing), the grant (unless skipped) and the setting."""
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        depends: list[pulumi.Resource] = []
        queue = settings.queue
        if settings.delivery == "mns" and queue is not None:
            provider = regional_provider(f"{name}-alicloud", settings.region, emulator, self)
            with_provider = pulumi.ResourceOptions(parent=self, provider=provider)
            if not queue.existing:
                depends.append(_queue(f"{name}-queue", queue, with_provider))
            if role_name is not None:
                policy = Policy(
                    f"{name}-mns-send",
                    policy_name=_policy_name(f"{pulumi.get_stack()}-{name}"),
                    policy_document=send_policy_document(settings.region, queue.name),
                    description=f"Lets IMS write callbacks to {queue.name} in {settings.region}",
                    force=True,
                    opts=pulumi.ResourceOptions.merge(
                        with_provider, pulumi.ResourceOptions(depends_on=depends)
                    ),
                )
                depends.append(
                    RolePolicyAttachment(
                        f"{name}-grant",
                        policy_name=policy.policy_name,
                        policy_type="Custom",
                        role_name=role_name,
                        opts=with_provider,
                    )
                )
        desired = settings.desired()
        key = settings.auth_key.get_secret_value() if settings.auth_key else ""
        self.callback = EventCallback(
            f"{name}-callback",
            {
                "region": settings.region,
                "callbackType": desired.callback_type,
                "url": desired.url,
                "queueName": desired.queue_name,
                "events": list(desired.events),
                "authEnabled": desired.auth_enabled,
                "authKey": pulumi.Output.secret(key),
                "adopt": settings.adopt,
                "onDelete": settings.on_delete,
                "checkQueue": bool(queue is not None and queue.existing),
            },
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=depends)),
        )
        self.outputs: dict[str, Any] = {
            "delivery": desired.callback_type,
            "url": desired.url or None,
            "queueName": desired.queue_name or None,
            "events": list(desired.events),
            "authKey": self.callback.authKey if desired.auth_enabled else None,
            "onDelete": settings.on_delete,
        }
        self.register_outputs(self.outputs)


def _queue(name: str, queue: QueueSettings, opts: pulumi.ResourceOptions) -> ServiceQueue:
    return ServiceQueue(
        name,
        queue_name=queue.name,
        message_retention_period=queue.retention_seconds,
        visibility_timeout=queue.visibility_timeout_seconds,
        polling_wait_seconds=queue.polling_wait_seconds,
        maximum_message_size=queue.max_message_bytes,
        delay_seconds=queue.delay_seconds,
        logging_enabled=queue.logging,
        tags=dict(queue.tags) or None,
        opts=opts,
    )


def _policy_name(name: str) -> str:
    """RAM policy names are account-wide, so they carry the stack: 1-128 of [A-Za-z0-9-]."""
    cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in f"{name}-mns-send")
    return cleaned[:128]
