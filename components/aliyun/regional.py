"""RegionalClient: what the ICE and MNS clients share (one region, lazy SDK, never pickled)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, Generic, NoReturn, TypeVar

from components.aliyun.endpoints import Product, Timeouts, Transport, regional_host, sdk_config
from components.aliyun.retry import RetryPolicy

if TYPE_CHECKING:
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_tea_openapi.utils_models import Config

SdkT = TypeVar("SdkT")


class RegionalClient(ABC, Generic[SdkT]):
    """One product's calls in one region. Cheap to construct; the SDK client is built on use.

    Construct it inside each provider method: it holds a credentials client and (later) an SDK
    client, neither of which may be pickled into Pulumi state, so pickling it raises.
    """

    product: ClassVar[Product]

    def __init__(
        self,
        region: str,
        credential: CredentialClient,
        transport: Transport | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        regional_host(self.product, region)  # reject a malformed region now, not at first use
        self.region = region
        self._credential = credential
        self._transport = transport or Transport()
        self._retry = retry or RetryPolicy()
        self._timeouts = timeouts
        self._sdk: SdkT | None = None

    def __getstate__(self) -> NoReturn:
        raise TypeError(
            f"{type(self).__name__} must not be pickled; create it inside provider methods"
        )

    @abstractmethod
    def _new_sdk(self, config: Config) -> SdkT:
        """The product's official SDK client for ``config``."""

    def _client(self) -> SdkT:
        if self._sdk is None:
            config = sdk_config(
                self.product, self.region, self._credential, self._transport, self._timeouts
            )
            self._sdk = self._new_sdk(config)
        return self._sdk
