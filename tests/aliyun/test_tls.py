"""The shared TLS context: built exactly as darabonba builds one, and shared by every host
once an entry point has called :func:`components.aliyun.runtime.prepare`."""

from __future__ import annotations

import ssl
from collections.abc import Callable

import pytest
from darabonba.core import DaraCore

from components.aliyun import runtime, tls
from components.aliyun.ice import IceClient

DARABONBA_GET_ADAPTER = DaraCore.get_adapter
"""darabonba's own builder, taken before any test calls prepare()."""

REGIONS = ("cn-shanghai", "cn-beijing", "ap-southeast-1")


def _summary(context: ssl.SSLContext) -> tuple[object, ...]:
    return (
        context.verify_mode,
        context.check_hostname,
        context.minimum_version,
        context.options,
        context.cert_store_stats(),
        sorted(c["subject"] for c in context.get_ca_certs()),
    )


def _contexts_of_the_ice_hosts(ice: Callable[..., IceClient]) -> set[int]:
    for region in REGIONS:
        ice(region).get_callback()
    return {
        id(session.get_adapter(f"http://ice.{region}.aliyuncs.com/").ssl_context)
        for key, session in DaraCore._sessions.items()
        for region in REGIONS
        if f"ice.{region}." in key
    }


def test_the_original_builder_was_taken_before_the_patch() -> None:
    assert DARABONBA_GET_ADAPTER is not tls._get_adapter


@pytest.mark.parametrize("protocol", ["HTTPS", "HTTP"])
@pytest.mark.parametrize("tls_min_version", [None, "TLSv1.2", "TLSv1.3"])
def test_shared_context_is_the_one_darabonba_builds(
    protocol: str, tls_min_version: str | None
) -> None:
    ours = tls._get_adapter(protocol, tls_min_version, pool_size=7)
    theirs = DARABONBA_GET_ADAPTER(protocol, tls_min_version, pool_size=7)
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


def test_every_regional_host_shares_the_context_after_prepare(
    ice: Callable[..., IceClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DaraCore, "_sessions", {})
    runtime.prepare()
    runtime.prepare()  # idempotent
    assert DaraCore.get_adapter is tls._get_adapter
    assert _contexts_of_the_ice_hosts(ice) == {id(tls.shared_context(False, None))}


def test_without_prepare_each_host_builds_its_own_context(
    ice: Callable[..., IceClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DaraCore, "_sessions", {})
    monkeypatch.setattr(DaraCore, "get_adapter", staticmethod(DARABONBA_GET_ADAPTER))
    monkeypatch.setitem(runtime._state, "prepared", False)
    assert len(_contexts_of_the_ice_hosts(ice)) == len(REGIONS)
    assert DaraCore.get_adapter is DARABONBA_GET_ADAPTER
