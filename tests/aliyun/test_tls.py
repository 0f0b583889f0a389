"""The shared TLS context: built exactly as darabonba builds one, and shared by every host."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import pytest
from darabonba.core import DaraCore

from components.aliyun import tls
from components.aliyun.ice import IceClient


def _summary(context: ssl.SSLContext) -> tuple[object, ...]:
    return (
        context.verify_mode,
        context.check_hostname,
        context.minimum_version,
        context.options,
        context.cert_store_stats(),
        sorted(c["subject"] for c in context.get_ca_certs()),
    )


@pytest.mark.parametrize("protocol", ["HTTPS", "HTTP"])
@pytest.mark.parametrize("tls_min_version", [None, "TLSv1.2", "TLSv1.3"])
def test_shared_context_is_the_one_darabonba_builds(
    protocol: str, tls_min_version: str | None
) -> None:
    ours = tls._get_adapter(protocol, tls_min_version, pool_size=7)
    theirs = tls.DARABONBA_GET_ADAPTER(protocol, tls_min_version, pool_size=7)
    assert type(ours) is type(theirs)
    assert _summary(ours.ssl_context) == _summary(theirs.ssl_context)
    assert ours._pool_maxsize == theirs._pool_maxsize == 7
    assert ours.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert ours.ssl_context.check_hostname


def test_one_context_per_protocol_and_minimum_version() -> None:
    https = tls.shared_context(True, None)
    assert tls.shared_context(True, None) is https
    assert tls.shared_context(True, "TLSv1.2") is not https
    assert tls.shared_context(False, None) is not https
    assert https.cert_store_stats()["x509_ca"] > 0  # certifi's bundle is loaded for HTTPS


def test_every_regional_host_shares_the_context(ice: Callable[..., IceClient]) -> None:
    for region in ("cn-shanghai", "cn-beijing", "ap-southeast-1"):
        ice(region).get_callback()
    contexts = {
        id(session.get_adapter(f"http://ice.{region}.aliyuncs.com/").ssl_context)
        for key, session in DaraCore._sessions.items()
        for region in ("cn-shanghai", "cn-beijing", "ap-southeast-1")
        if f"ice.{region}." in key
    }
    assert contexts == {id(tls.shared_context(False, None))}
