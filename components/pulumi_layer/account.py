"""The account-level component: one :class:`RegionCallbacks` per configured region."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_alicloud import Provider
from pulumi_alicloud.ram import Role, get_roles

from components.aliyun.credentials import CREDENTIAL_SETTINGS, SECRET_SETTINGS
from components.core.models import StackSettings
from components.core.schema_fields import IMS_CALLBACKS
from components.pulumi_layer.migration import OLD_ACCOUNT_TYPE, with_old_type
from components.pulumi_layer.region import Grant, RegionCallbacks

IMS_SERVICE = "ice.aliyuncs.com"
RAM_REGION = "cn-hangzhou"
"""RAM is global (ram.aliyuncs.com); the alicloud provider still wants a region. A fixed one
keeps the provider, and so every grant, unchanged when MNS regions are added or removed."""


ROLE_FIXED_INPUTS = ["assumeRolePolicyDocument", "description"]
"""What the stack never changes on the role once it exists (ignored changes): it creates the
role with its trust policy, and leaves a role that was there, or that someone edited, as it is."""

Credentials = Mapping[str, pulumi.Input[str]]
"""The ``ims`` provider's credential settings by name (``accessKey``...: CREDENTIAL_SETTINGS)."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def provider_credentials(config: pulumi.Config | None = None) -> dict[str, pulumi.Input[str]]:
    """The credential settings the program's ``ims`` provider is configured with (``ims:*``
    stack config); the secret ones (SECRET_SETTINGS) as secrets. Unset ones are left out."""
    config = config or pulumi.Config("ims")
    out: dict[str, pulumi.Input[str]] = {}
    for name in CREDENTIAL_SETTINGS:
        value = config.get_secret(name) if name in SECRET_SETTINGS else config.get(name)
        if value is not None:
            out[name] = value
    return out


def ram_provider_args(credentials: Credentials) -> dict[str, pulumi.Input[str]]:
    """The alicloud provider's credential inputs for the ``ims`` provider's settings (the same
    chain, so the grant runs as the same identity); the secret ones are marked secret."""
    return {
        _snake(name): pulumi.Output.secret(value) if name in SECRET_SETTINGS else value
        for name, value in credentials.items()
        if name in CREDENTIAL_SETTINGS and value not in (None, "")
    }


def role_exists(role_name: str, provider: pulumi.ProviderResource) -> bool:
    """Whether the account already has a RAM role of this name (a lookup, also in preview)."""
    found = get_roles(
        name_regex=f"^{re.escape(role_name)}$",
        opts=pulumi.InvokeOptions(provider=provider),
    )
    return any(role.name == role_name for role in found.roles or [])


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
        self,
        name: str,
        settings: StackSettings,
        opts: pulumi.ResourceOptions | None = None,
        *,
        credentials: Credentials | None = None,
    ) -> None:
        """Declare the optional IMS role and one region component per configured region.

        ``credentials``: the ``ims`` provider's settings (``__main__.py``: the ``ims:*``
        credential config; ``Construct``: the provider's configured settings), whose credential
        ones the grant's alicloud provider gets too (:func:`ram_provider_args`).
        """
        super().__init__(IMS_CALLBACKS.token, name, None, with_old_type(OLD_ACCOUNT_TYPE, opts))
        grant = self._grant(name, settings, credentials or {})
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

    def _grant(self, name: str, settings: StackSettings, credentials: Credentials) -> Grant | None:
        """The role IMS assumes for MNS delivery (created if so configured), or None.

        RAM is global: one alicloud provider serves every region's grant, so the engine
        starts one alicloud plugin process however many regions there are. It gets the
        ``ims`` provider's credential settings (docs/architecture.md, "One identity").

        ``create-role``: the role is retained on destroy (other IMS features may use it), and a
        role that already exists (made in the console, or left by an earlier destroy) is
        imported instead of created; the stack never changes its trust policy or description.
        """
        if settings.grant.mode == "skip" or all(r.delivery != "mns" for r in settings.regions):
            return None
        provider = Provider(
            f"{name}-ram",
            region=RAM_REGION,
            **ram_provider_args(credentials),
            opts=pulumi.ResourceOptions(parent=self),
        )
        role_name: pulumi.Input[str] = settings.grant.role_name
        if settings.grant.mode == "create-role":
            existing = role_exists(settings.grant.role_name, provider)
            role = Role(
                f"{name}-ims-role",
                role_name=settings.grant.role_name,
                assume_role_policy_document=trust_policy(),
                description="Assumed by IMS to deliver event callbacks to MNS",
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=provider,
                    retain_on_delete=True,
                    ignore_changes=ROLE_FIXED_INPUTS,
                    import_=settings.grant.role_name if existing else None,
                ),
            )
            role_name = role.role_name
        return Grant(role_name, provider)
