"""The Pulumi program: IMS event callbacks for every region in the stack configuration."""

import os

import pulumi

from components.core.errors import ConfigError
from components.core.settings import CALLBACKS_KEY, EMULATOR_ENV, EMULATOR_KEY, load_settings
from components.pulumi_layer.account import ImsCallbacks

CONFIG_KEYS = (CALLBACKS_KEY, EMULATOR_KEY)


def main() -> None:
    """Validate the whole configuration first, then declare the resources."""
    raw = {key: pulumi.runtime.get_config(key) for key in CONFIG_KEYS}
    raw[EMULATOR_KEY] = os.environ.get(EMULATOR_ENV) or raw[EMULATOR_KEY]
    try:
        settings, warnings = load_settings(
            {k: v for k, v in raw.items() if v not in (None, "")},
            project=pulumi.get_project(),
            stack=pulumi.get_stack(),
        )
    except ConfigError as err:
        raise pulumi.RunError(str(err)) from None
    for warning in warnings:
        pulumi.log.warn(warning)
    callbacks = ImsCallbacks("ims-callbacks", settings)
    pulumi.export("regions", callbacks.outputs)


main()
