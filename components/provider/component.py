"""``ims:index:ImsCallbacks`` for programs in any language: the Python component, built here.

The engine sends ``Construct`` with the component's inputs; the same ``ImsCallbacks`` the
Python program uses declares its children, whose own CRUD comes back to this provider.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue

from components.core.errors import ConfigError
from components.core.models import StackSettings
from components.core.schema_fields import REGION_OUTPUT
from components.core.schema_types import Field
from components.core.stack_config import CALLBACKS_KEY, load_settings
from components.provider.properties import plain, wrap


async def _resolve(value: Any) -> PropertyValue:
    """A component output (Outputs nested in plain data) as one property value."""
    if isinstance(value, pulumi.Output):
        if not await value.is_known():
            return PropertyValue.computed()
        secret = await value.is_secret()
        resolved = await _resolve(await value.future())
        return resolved.with_secret(secret or resolved.is_secret)
    if isinstance(value, Mapping):
        return PropertyValue({str(k): await _resolve(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([await _resolve(v) for v in value])
    return wrap(value)


async def _field(field: Field, value: Any) -> PropertyValue:
    """One field of an output type: secret if the table says so (unless null), or if it came
    as a secret."""
    resolved = await _resolve(value)
    hidden = field.secret and resolved.value is not None
    return resolved.with_secret(resolved.is_secret or hidden)


async def region_outputs(regions: Mapping[str, Mapping[str, Any]]) -> PropertyValue:
    """The ``regions`` output: region -> ``RegionOutput``, with the fields of the table, each
    secret on its own (only ``authKey``), never the whole map."""
    return PropertyValue(
        {
            region: PropertyValue(
                {f.name: await _field(f, values.get(f.name)) for f in REGION_OUTPUT.fields}
            )
            for region, values in regions.items()
        }
    )


def component_settings(inputs: Mapping[str, PropertyValue]) -> StackSettings:
    """The component's inputs (``callbacks``, typed ``ims:index:Callbacks``) loaded like the
    stack config; a secret auth key arrives as a secret value. Warnings are logged."""
    callbacks = inputs.get("callbacks")
    raw = plain(callbacks) if callbacks is not None else None
    try:
        settings, warnings = load_settings(
            {CALLBACKS_KEY: json.dumps(raw)} if raw is not None else {},
            project=pulumi.get_project(),
            stack=pulumi.get_stack(),
        )
    except ConfigError as err:
        problems = [
            {"property_path": problem.path, "reason": problem.message} for problem in err.problems
        ]
        raise InputPropertiesError("invalid callbacks", problems) from None  # type: ignore[arg-type]
    for warning in warnings:
        pulumi.log.warn(warning)
    return settings


async def construct(
    request: p.ConstructRequest, provider_settings: Mapping[str, str] | None = None
) -> p.ConstructResponse:
    """Validate ``callbacks`` like the stack config, then declare the component.

    ``provider_settings``: this provider's configured settings; the grant's alicloud provider
    takes the credential ones (``ram_provider_args``), so it runs as the same identity as the
    callbacks.
    """
    # Imported here: pulumi_alicloud costs a second, and only a component needs it.
    from components.pulumi_layer.account import ImsCallbacks  # noqa: PLC0415

    settings = component_settings(request.inputs)
    component = ImsCallbacks(
        request.name, settings, request.options, credentials=provider_settings or {}
    )
    state = {"regions": await region_outputs(component.outputs)}
    urn = await component.urn.future()
    return p.ConstructResponse(str(urn), state, {"regions": set()})
