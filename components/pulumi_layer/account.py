"""The account-level component: one :class:`RegionCallbacks` per configured region."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi_alicloud.ram import Role

from components.core.settings import StackSettings
from components.pulumi_layer.region import RegionCallbacks, regional_provider

COMPONENT_TYPE = "ims-callbacks:index:ImsCallbacks"
IMS_SERVICE = "ice.aliyuncs.com"


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
        super().__init__(COMPONENT_TYPE, name, None, opts)
        needs_grant = any(r.delivery == "mns" for r in settings.regions)
        role_name: pulumi.Input[str] | None = None
        if needs_grant and settings.grant.mode != "skip":
            role_name = settings.grant.role_name
            if settings.grant.mode == "create-role":
                first = next(r.region for r in settings.regions if r.delivery == "mns")
                provider = regional_provider(f"{name}-ram", first, settings.emulator, self)
                role = Role(
                    f"{name}-ims-role",
                    role_name=settings.grant.role_name,
                    assume_role_policy_document=trust_policy(),
                    description="Assumed by IMS to deliver event callbacks to MNS",
                    opts=pulumi.ResourceOptions(parent=self, provider=provider),
                )
                role_name = role.role_name
        self.regions = {
            r.region: RegionCallbacks(
                f"{name}-{r.region}",
                r,
                role_name=role_name,
                emulator=settings.emulator,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for r in settings.regions
        }
        self.outputs: dict[str, Any] = {k: v.outputs for k, v in self.regions.items()}
        self.register_outputs({"regions": self.outputs})
