"""Everything that exists only to move stacks deployed with v0.1 (the dynamic providers).

The old types become aliases, so the engine moves each v0.1 resource and component to its
new type in place; the keys only the dynamic resources stored are dropped from their state.
Delete this module and its uses once no v0.1 stack is left (docs/migration.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

DYNAMIC_CALLBACK_TYPE = "pulumi-python:dynamic/ims:EventCallback"
DYNAMIC_QUEUE_TYPE = "pulumi-python:dynamic/mns:CallbackQueue"
OLD_ACCOUNT_TYPE = "ims-callbacks:index:ImsCallbacks"
OLD_REGION_TYPE = "ims-callbacks:index:RegionCallbacks"
DYNAMIC_ONLY = ("__provider", "drift")
"""Keys of the dynamic resources' inputs and state that the native resources do not have."""


def with_old_type(
    old_type: str, opts: pulumi.ResourceOptions | None = None
) -> pulumi.ResourceOptions:
    """``opts`` with an alias from the v0.1 type ``old_type``."""
    return pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=old_type)])
    )


def without_dynamic_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the :data:`DYNAMIC_ONLY` keys (inputs or state of a moved stack)."""
    return {k: v for k, v in values.items() if k not in DYNAMIC_ONLY}
