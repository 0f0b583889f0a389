"""Where SDK requests go: regional endpoints, the emulator override and transport safety checks.

Real cloud: HTTPS with certificate verification to ``ice.<region>.aliyuncs.com`` /
``mns-open.<region>.aliyuncs.com``, always set explicitly (the ICE SDK's own endpoint map sends
most regions to the global ``ice.aliyuncs.com``, which is wrong for a per-region setting).

Emulator: the same hostnames over plain HTTP, with the loopback emulator as the HTTP proxy, so
the ``Host`` header (and the ACS3 signature over it) names the region exactly as in the cloud.

Proxies from the environment (checked against darabonba-core 1.0.9 ``DaraCore.do_action``):

* The SDK itself reads ``HTTP_PROXY``/``HTTPS_PROXY`` (upper or lower case) whenever the
  ``Config`` sets no proxy, and it ignores ``NO_PROXY`` completely (``Config.no_proxy`` has no
  effect either: requests' ``Session.send`` never looks at it).
* Emulator mode therefore sets both ``http_proxy`` and ``https_proxy`` to the emulator, so an
  ambient corporate proxy can never see (or swallow) a request meant for the emulator.
* Real-cloud mode leaves the ambient ``HTTPS_PROXY`` in force: the SDK then opens a ``CONNECT``
  tunnel and TLS stays end to end with ``aliyuncs.com``; the proxy sees the host name only.
  ``NO_PROXY=.aliyuncs.com`` does *not* bypass the proxy, unset ``HTTPS_PROXY`` for this
  process instead.

TLS trust (checked against darabonba-core 1.0.9 ``DaraCore.get_adapter`` and requests 2.34):
certificate verification, host name included, is always on: ims-callbacks never sets
``RuntimeOptions.ignore_ssl`` and no environment variable turns it off. A server certificate
is accepted if it chains to any of:

* the system store, i.e. OpenSSL's default verify paths (``ssl.create_default_context()``;
  on Linux usually ``/etc/ssl/certs``, see ``ssl.get_default_verify_paths()``);
* ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``, which replace OpenSSL's default CA file / directory
  (they are read when the SDK makes its first request in the process: one context, built
  as darabonba builds it, serves every host, see :mod:`components.aliyun.tls`);
* certifi's CA bundle, loaded in addition.

``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` are not consulted (the SDK calls
``Session.send``, which ignores them). So a TLS-inspecting proxy works only if its CA is in
the system store or named by ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``; that proxy then sees every
request in clear: the AccessKey ID, STS token, signature and query parameters (including the
callback AuthKey of ``SetEventCallback``), never the AccessKey secret. With its CA not trusted,
every call fails with ``SSLError`` (not retried) and no request is sent.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import SplitResult, urlsplit

from components.aliyun import runtime
from components.core.regions import ice_host, mns_open_host
from components.core.settings import EMULATOR_ENV

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


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_base_url(url: str, what: str) -> SplitResult:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise TransportError(f"{what}: invalid port in {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"{what}: expected http(s)://host[:port], got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise TransportError(f"{what}: user info in the URL is not allowed")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise TransportError(f"{what}: no path, query or fragment allowed in {url!r}")
    return parts


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
    """How requests leave the process.

    ``emulator``: ``http://<loopback>:<port>`` of the local emulator (127.0.0.1, ::1 or
    localhost only). ``allow_custom_endpoint``: an explicit ``https://host[:port]`` that
    replaces the regional ``*.aliyuncs.com`` host for every call (a private gateway or a test
    TLS server); it is the only way to send credentials to a non-aliyuncs host and is never
    set by default. Plain http is only ever allowed to the loopback emulator, because the SDK
    would route any other plain-http request through an ambient ``HTTP_PROXY``. Both unset:
    the real cloud.
    """

    emulator: str | None = None
    allow_custom_endpoint: str | None = None

    def __post_init__(self) -> None:
        if self.emulator is not None and self.allow_custom_endpoint is not None:
            raise TransportError("emulator and allow_custom_endpoint are mutually exclusive")
        if self.emulator is not None:
            parts = _parse_base_url(self.emulator, "emulator")
            if parts.scheme != "http" or not _is_loopback(parts.hostname or ""):
                raise TransportError(
                    "emulator must be a plain-http loopback URL such as http://127.0.0.1:18100,"
                    f" got {self.emulator!r}"
                )
        if self.allow_custom_endpoint is not None:
            parts = _parse_base_url(self.allow_custom_endpoint, "allow_custom_endpoint")
            if parts.scheme != "https":
                raise TransportError(
                    f"refusing plain http to {self.allow_custom_endpoint!r}: a custom endpoint"
                    " must use https (a local http server is what `emulator` is for)"
                )

    @classmethod
    def from_settings(
        cls, emulator: str | None = None, environ: Mapping[str, str] | None = None
    ) -> Transport:
        """Emulator from ``$IMS_CALLBACKS_EMULATOR`` (an override for tests and benchmarks),
        else ``ims:emulator``."""
        env = os.environ if environ is None else environ
        return cls(emulator=env.get(EMULATOR_ENV) or emulator or None)


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

    The SDK is imported here, at the first client, not with this module (N2 in
    docs/performance.md: the provider plugin starts without it).
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
    elif transport.allow_custom_endpoint is not None:
        config.endpoint = urlsplit(transport.allow_custom_endpoint).netloc
    return config
