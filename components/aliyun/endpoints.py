"""Where SDK requests go: the explicit regional endpoint, or the loopback emulator as a proxy.

How the clients reach the endpoints, proxies and TLS trust included: docs/sdk-clients.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from components.aliyun import runtime
from components.core.provider_settings import emulator_setting, parse_emulator_url
from components.core.regions import ice_host, mns_open_host

if TYPE_CHECKING:
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_tea_openapi.utils_models import Config

Product = Literal["ice", "mns-open"]

USER_AGENT = "ims-callbacks"

_REGION = re.compile(r"[a-z]{2,}(?:-[a-z0-9]+)+")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ALIYUN_HOST = re.compile(rf"(?:{_LABEL}\.)+aliyuncs\.com")


class TransportError(ValueError):
    """A transport setting that would send requests (and credentials) somewhere unsafe."""


@dataclass(frozen=True)
class Timeouts:
    """Per-request socket timeouts in seconds."""

    connect: float = 5.0
    read: float = 10.0

    def __post_init__(self) -> None:
        if self.connect <= 0 or self.read <= 0:
            raise ValueError("timeouts must be positive")


@dataclass(frozen=True)
class Transport:
    """How requests leave the process: ``emulator`` is the ``http://<loopback>:<port>`` of the
    local emulator (checked as ``ims:emulator`` is); None means the real cloud over HTTPS."""

    emulator: str | None = None

    def __post_init__(self) -> None:
        if self.emulator is not None:
            try:
                parse_emulator_url(self.emulator)
            except ValueError as exc:
                raise TransportError(f"emulator {exc}") from None

    @classmethod
    def from_settings(
        cls, emulator: str | None = None, environ: Mapping[str, str] | None = None
    ) -> Transport:
        """The emulator from ``$IMS_CALLBACKS_EMULATOR``, else ``ims:emulator``, else none."""
        env = os.environ if environ is None else environ
        return cls(emulator=emulator_setting(emulator, env) or None)


def regional_host(product: Product, region: str) -> str:
    """The public regional API host of ``product`` in ``region``; rejects malformed regions."""
    if not _REGION.fullmatch(region):
        raise TransportError(f"not a valid region id: {region!r}")
    host = ice_host(region) if product == "ice" else mns_open_host(region)
    if not _ALIYUN_HOST.fullmatch(host):
        raise TransportError(f"refusing endpoint {host!r}: not an *.aliyuncs.com host")
    return host


def sdk_config(
    product: Product,
    region: str,
    credential: CredentialClient,
    transport: Transport,
    timeouts: Timeouts | None = None,
) -> Config:
    """An SDK ``Config`` for one product and region, with the endpoint always explicit.

    The SDK is imported here, at the first client, so that the plugin starts without it.
    """
    from alibabacloud_tea_openapi.utils_models import Config  # noqa: PLC0415

    runtime.sdk_loaded()
    timeouts = timeouts or Timeouts()
    host = regional_host(product, region)
    config = Config(
        credential=credential,
        region_id=region,
        endpoint=host,
        protocol="HTTPS",
        connect_timeout=round(timeouts.connect * 1000),
        read_timeout=round(timeouts.read * 1000),
        user_agent=USER_AGENT,
    )
    if transport.emulator is not None:
        proxy = transport.emulator.rstrip("/")
        config.protocol = "HTTP"
        config.http_proxy = proxy
        config.https_proxy = proxy
    return config
