"""What every dynamic provider here shares: the run-time context, read at configure time.

Pulumi pickles a dynamic provider object into the state. A :class:`RuntimeProvider` pickles
as an empty shell: credentials and the emulator override are read from the stack
configuration in ``configure``, in the provider process, and never written to the state.
"""

from __future__ import annotations

# The SDK clients are imported inside the methods that run in the provider process: the
# program process never needs them, and importing them costs about a second of start-up.
# ruff: noqa: PLC0415
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi.dynamic as dyn

from components.core.settings import EMULATOR_KEY

if TYPE_CHECKING:
    from components.aliyun.endpoints import Transport
    from components.aliyun.ice import IceClient
    from components.aliyun.mns import MnsClient


@dataclass(frozen=True)
class ProviderRuntime:
    """What the provider process reads at run time (never pickled)."""

    stack_config: dict[str, Any]

    def transport(self) -> Transport:
        """Transport to the real cloud, or to the emulator when configured."""
        from components.aliyun.endpoints import Transport

        return Transport.from_settings(self.stack_config.get(EMULATOR_KEY))

    def ice(self, region: str) -> IceClient:
        """A fresh ICE client for one region."""
        from components.aliyun.credentials import resolve_credentials
        from components.aliyun.ice import IceClient

        return IceClient(region, resolve_credentials(self.stack_config), self.transport())

    def mns(self, region: str) -> MnsClient:
        """A fresh MNS management client for one region."""
        from components.aliyun.credentials import resolve_credentials
        from components.aliyun.mns import MnsClient

        return MnsClient(region, resolve_credentials(self.stack_config), self.transport())


class RuntimeProvider(dyn.ResourceProvider):
    """Base class: holds only a :class:`ProviderRuntime`, and pickles without it."""

    serialize_as_secret_always = False

    def __init__(self) -> None:
        """Hold nothing: everything the provider needs is read in ``configure``."""
        self._runtime: ProviderRuntime | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the run-time context (it holds credentials from the stack config)."""
        return {"_runtime": None}

    def configure(self, req: dyn.ConfigureRequest) -> None:
        """Capture the stack configuration (credentials are resolved per call from it)."""
        from components.aliyun.credentials import CONFIG_KEYS

        keys = (EMULATOR_KEY, *CONFIG_KEYS)
        config = {k: v for k in keys if (v := req.config.get(k)) is not None}
        self._runtime = ProviderRuntime(config)

    @property
    def runtime(self) -> ProviderRuntime:
        """The run-time context (an empty one if ``configure`` was never called)."""
        if self._runtime is None:
            self._runtime = ProviderRuntime({})
        return self._runtime
