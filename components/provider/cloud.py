"""The provider's way to the cloud: credentials and endpoint from provider config, calls off-loop.

The SDK clients are blocking (the official Tea clients, with retries around them). The SDK's
gRPC server runs every RPC on one asyncio loop, so each call runs in a thread pool: the
engine's parallel reads (refresh reads every region at once) then take about one round trip.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from components.aliyun.credentials import chain_config, resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.ice import IceClient
from components.aliyun.mns import MnsClient
from components.aliyun.retry import RetryPolicy
from components.core.provider_settings import retry_attempts

T = TypeVar("T")

_WORKERS = 16  # enough for every region of a stack at once; the calls only wait on the network


@dataclass(frozen=True)
class Cloud:
    """Clients for one configured provider. ``settings`` holds ``ims:`` config, short keys."""

    settings: Mapping[str, str] = field(default_factory=dict)
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(_WORKERS, thread_name_prefix="ims-cloud"),
        repr=False,
        compare=False,
    )

    def retry(self) -> RetryPolicy:
        """The retry policy; ``ims:retryAttempts`` caps the attempts per call (default 10)."""
        return RetryPolicy.with_attempts(retry_attempts(self.settings.get("retryAttempts")))

    def transport(self) -> Transport:
        """The emulator from ``$IMS_CALLBACKS_EMULATOR`` or ``ims:emulator``, else the cloud."""
        return Transport.from_settings(self.settings.get("emulator") or None)

    def ice(self, region: str) -> IceClient:
        """A fresh ICE client for ``region`` (credentials resolved now, from config and env)."""
        credentials = resolve_credentials(chain_config(self.settings))
        return IceClient(region, credentials, self.transport(), self.retry())

    def mns(self, region: str) -> MnsClient:
        """A fresh MNS management client for ``region``."""
        credentials = resolve_credentials(chain_config(self.settings))
        return MnsClient(region, credentials, self.transport(), self.retry())

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run a blocking client call in the pool, so other RPCs go on meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args))
