"""Products served by the emulator and how a request's Host names product and region."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.core.regions import REGION_IDS
from emulator.errors import ApiError
from emulator.state import StateStore

Params = Mapping[str, str]
Handler = Callable[[StateStore, str, Params], dict[str, Any]]
"""An operation: (store, region, request parameters) -> response body without RequestId."""

_DOMAIN = ".aliyuncs.com"


@dataclass(frozen=True)
class Product:
    """One OpenAPI product: public host prefix, API version, troubleshoot code, operations."""

    host_prefix: str
    version: str
    pop_code: str
    actions: Mapping[str, Handler]


@dataclass(frozen=True)
class ApiRequest:
    """One cloud API request as received (header names lower-case)."""

    method: str
    host: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        """Query and url-encoded body parameters together (RPC style accepts both)."""
        return {**self.query, **self.form}


def host_name(host_header: str) -> str:
    """The Host header without port, lower-cased (IPv6 brackets kept)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (IPv6 without brackets)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def route(host: str, products: Sequence[Product]) -> tuple[Product, str]:
    """Map ``<product>.<region>.aliyuncs.com`` to (product, region) or raise the gateway error."""
    if host.endswith(_DOMAIN):
        prefix, _, region = host[: -len(_DOMAIN)].partition(".")
        for product in products:
            if product.host_prefix == prefix:
                if region not in REGION_IDS:
                    raise ApiError(400, "InvalidRegionId", "The specified region does not exist.")
                return product, region
    raise ApiError(
        404,
        "InvalidEndpoint",
        "The requested host is not an endpoint served here; use ice.<region>.aliyuncs.com or "
        "mns-open.<region>.aliyuncs.com as endpoint and the emulator as HTTP proxy.",
    )
