"""The account-level component: one :class:`RegionCallbacks` per configured region."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi_alicloud import Provider
from pulumi_alicloud.ram import Role

from components.core.models import StackSettings
from components.core.schema_fields import IMS_CALLBACKS
from components.pulumi_layer.migration import OLD_ACCOUNT_TYPE, with_old_type
from components.pulumi_layer.region import Grant, RegionCallbacks

IMS_SERVICE = "ice.aliyuncs.com"
RAM_REGION = "cn-hangzhou"
"""RAM is global (ram.aliyuncs.com); the alicloud provider still wants a region. A fixed one
keeps the provider, and so every grant, unchanged when MNS regions are added or removed."""


def trust_policy() -> str:
    """Trust policy letting the IMS service assume the role."""
    return json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": [IMS_SERVICE]},
                }
            ],
        },
        sort_keys=True,
    )


class ImsCallbacks(pulumi.ComponentResource):
    """IMS event callbacks for every region listed in the stack configuration."""

    regions: dict[str, RegionCallbacks]

    def __init__(
        self, name: str, settings: StackSettings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the optional IMS role and one region component per configured region."""
        super().__init__(IMS_CALLBACKS.token, name, None, with_old_type(OLD_ACCOUNT_TYPE, opts))
        grant = self._grant(name, settings)
        self.regions = {
            r.region: RegionCallbacks(
                f"{name}-{r.region}",
                r,
                grant=grant if r.delivery == "mns" else None,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for r in settings.regions
        }
        self.outputs: dict[str, Any] = {k: v.outputs for k, v in self.regions.items()}
        self.register_outputs({"regions": self.outputs})

    def _grant(self, name: str, settings: StackSettings) -> Grant | None:
        """The role IMS assumes for MNS delivery (created if so configured), or None.

        RAM is global: one alicloud provider serves every region's grant, so the engine
        starts one alicloud plugin process however many regions there are.
        """
        if settings.grant.mode == "skip" or all(r.delivery != "mns" for r in settings.regions):
            return None
        provider = Provider(
            f"{name}-ram", region=RAM_REGION, opts=pulumi.ResourceOptions(parent=self)
        )
        role_name: pulumi.Input[str] = settings.grant.role_name
        if settings.grant.mode == "create-role":
            role = Role(
                f"{name}-ims-role",
                role_name=settings.grant.role_name,
                assume_role_policy_document=trust_policy(),
                description="Assumed by IMS to deliver event callbacks to MNS",
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            role_name = role.role_name
        return Grant(role_name, provider)
