"""The Pulumi program: IMS event callbacks for every region in the stack configuration."""

import os
import signal
import threading

import pulumi

from components.core.errors import ConfigError
from components.core.stack_config import program_settings
from components.pulumi_layer.account import ImsCallbacks, provider_credentials


def _stop_quietly(_signum: int, _frame: object) -> None:
    """The CLI interrupts the program when an update fails (docs/use-from-your-project.md,
    "Known limits"); the error is already reported, so end without a traceback."""
    os._exit(1)


def main() -> None:
    """Validate the whole configuration first, then declare the resources."""
    if threading.current_thread() is threading.main_thread():  # not in an Automation API thread
        signal.signal(signal.SIGINT, _stop_quietly)
    keys = {*pulumi.runtime.get_config_env(), *pulumi.runtime.config.CONFIG.get()}
    try:
        settings, warnings = program_settings(
            {key: pulumi.runtime.get_config(key) for key in keys},
            [key for key in keys if pulumi.runtime.is_config_secret(key)],
            os.environ,
            project=pulumi.get_project(),
            stack=pulumi.get_stack(),
        )
    except ConfigError as err:
        raise pulumi.RunError(str(err)) from None
    for warning in warnings:
        pulumi.log.warn(warning)
    # The grant's alicloud provider gets the ims provider's credential settings: one identity.
    callbacks = ImsCallbacks("ims-callbacks", settings, credentials=provider_credentials())
    pulumi.export("regions", callbacks.outputs)


main()
