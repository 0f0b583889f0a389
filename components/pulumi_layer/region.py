"""One region: the MNS queue, the grant that lets IMS write to it, and the callback setting."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_alicloud.ram import Policy, RolePolicyAttachment

from components.core.models import RegionSettings
from components.core.schema_types import token
from components.pulumi_layer.migration import OLD_REGION_TYPE, with_old_type
from components.pulumi_layer.resources import CallbackQueue, EventCallback

TYPE = token("RegionCallbacks")
"""Only the Python component declares it (as ImsCallbacks' child), so it is not in the schema."""


@dataclass(frozen=True)
class Grant:
    """Where the RAM grants go: the role IMS assumes, and the alicloud provider for RAM."""

    role_name: pulumi.Input[str]
    provider: pulumi.ProviderResource


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


class RegionCallbacks(pulumi.ComponentResource):
    """Everything IMS needs in one region to deliver events where the stack says."""

    callback: EventCallback

    def __init__(
        self,
        name: str,
        settings: RegionSettings,
        *,
        grant: Grant | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the queue (unless existing), the grant (unless skipped) and the setting."""
        super().__init__(TYPE, name, None, with_old_type(OLD_REGION_TYPE, opts))
        child = pulumi.ResourceOptions(parent=self)
        depends: list[pulumi.Resource] = []
        queue = settings.queue
        if created := settings.created_queue():
            depends.append(CallbackQueue(f"{name}-queue", settings.region, created, child))
        if settings.delivery == "mns" and queue is not None and grant is not None:
            with_provider = pulumi.ResourceOptions(parent=self, provider=grant.provider)
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
                    role_name=grant.role_name,
                    opts=with_provider,
                )
            )
        self.callback = EventCallback(
            f"{name}-callback",
            settings,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=depends)),
        )
        desired = settings.desired()
        self.outputs: dict[str, Any] = {
            "delivery": desired.callback_type,
            "url": desired.url or None,
            "queueName": desired.queue_name or None,
            "events": list(desired.events),
            "authKey": self.callback.authKey if desired.auth_enabled else None,
            "onDelete": settings.on_delete,
        }
        self.register_outputs(self.outputs)


def _policy_name(name: str) -> str:
    """RAM policy names are account-wide, so they carry the stack: 1-128 of [A-Za-z0-9-]."""
    cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in f"{name}-mns-send")
    return cleaned[:128]
