"""Transport: explicit regional endpoints, the emulator override and the refusals."""

from __future__ import annotations

import pytest
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_ice20201109.client import Client as IceSdk
from alibabacloud_mns_open20220119.client import Client as MnsSdk

from components.aliyun import endpoints
from components.aliyun.endpoints import Timeouts, Transport, TransportError, sdk_config


@pytest.fixture(scope="module")
def credential() -> CredentialClient:
    return CredentialClient(
        CredentialConfig(type="access_key", access_key_id="LTAIkey", access_key_secret="secret")
    )


@pytest.mark.parametrize("region", ["cn-beijing", "cn-hangzhou", "ap-southeast-1", "cn-shanghai"])
def test_real_cloud_ice_endpoint_is_regional_https(
    credential: CredentialClient, region: str
) -> None:
    config = sdk_config("ice", region, credential, Transport())
    assert config.endpoint == f"ice.{region}.aliyuncs.com"
    assert config.protocol == "HTTPS"
    assert config.http_proxy is None
    assert config.https_proxy is None
    assert config.retry_options is None  # one attempt per request; retry.py retries
    # The SDK must keep our endpoint instead of its map (which says ice.aliyuncs.com).
    assert IceSdk(config)._endpoint == f"ice.{region}.aliyuncs.com"


def test_mns_open_endpoint_and_timeouts(credential: CredentialClient) -> None:
    config = sdk_config("mns-open", "cn-shenzhen", credential, Transport(), Timeouts(2, 3.5))
    assert MnsSdk(config)._endpoint == "mns-open.cn-shenzhen.aliyuncs.com"
    assert (config.connect_timeout, config.read_timeout) == (2000, 3500)
    default = sdk_config("mns-open", "cn-shenzhen", credential, Transport())
    assert (default.connect_timeout, default.read_timeout) == (5000, 10000)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:18100", "http://localhost:1", "http://[::1]:18100/"]
)
def test_emulator_mode_proxies_plain_http_to_loopback(
    credential: CredentialClient, url: str
) -> None:
    config = sdk_config("ice", "cn-beijing", credential, Transport(emulator=url))
    assert config.endpoint == "ice.cn-beijing.aliyuncs.com"  # Host header names the region
    assert config.protocol == "HTTP"
    assert config.http_proxy == config.https_proxy == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:18100",  # not loopback
        "http://emulator.internal:18100",
        "https://127.0.0.1:18100",  # the emulator speaks plain http
        "http://user:pw@127.0.0.1:18100",
        "http://127.0.0.1:18100/path",
        "127.0.0.1:18100",
        "http://127.0.0.1:notaport",
    ],
)
def test_emulator_url_must_be_plain_loopback(url: str) -> None:
    with pytest.raises(TransportError):
        Transport(emulator=url)


@pytest.mark.parametrize(
    "region",
    [
        "evil.example.com#",
        "cn-beijing.evil.example/",
        "CN-BEIJING",
        "",
        "cn-beijing:443",
        "x",
        "cn-beijing\n",
    ],
)
def test_region_that_would_leave_aliyuncs_is_refused(
    credential: CredentialClient, region: str
) -> None:
    with pytest.raises(TransportError):
        sdk_config("ice", region, credential, Transport())


def test_transport_from_settings_env_overrides_stack_config() -> None:
    environ = {"IMS_CALLBACKS_EMULATOR": "http://127.0.0.1:2"}
    assert Transport.from_settings("http://127.0.0.1:1", environ).emulator == "http://127.0.0.1:2"
    assert Transport.from_settings("http://127.0.0.1:1", {}).emulator == "http://127.0.0.1:1"
    assert Transport.from_settings(None, environ).emulator == "http://127.0.0.1:2"
    assert Transport.from_settings(None, {}).emulator is None
    with pytest.raises(TransportError):
        Transport.from_settings(None, {"IMS_CALLBACKS_EMULATOR": "http://192.0.2.1:1"})


def test_endpoint_host_outside_aliyuncs_is_refused(
    credential: CredentialClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: even if the regional host mapping changed, nothing leaves aliyuncs."""
    monkeypatch.setattr(endpoints, "ice_host", lambda region: f"ice.{region}.example.com")
    with pytest.raises(TransportError, match=r"not an \*\.aliyuncs\.com host"):
        sdk_config("ice", "cn-beijing", credential, Transport())
    monkeypatch.setattr(endpoints, "ice_host", lambda region: f"ice.{region}.aliyuncs.com.evil.io")
    with pytest.raises(TransportError):
        sdk_config("ice", "cn-beijing", credential, Transport())
