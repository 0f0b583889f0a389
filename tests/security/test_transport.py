"""Transport and credential checks not already covered by tests/aliyun/test_endpoints.py.

Covered there (not repeated): real-cloud Config is HTTPS to ice.<region>.aliyuncs.com with no
proxy; emulator mode is plain HTTP through a loopback proxy; Transport refuses non-loopback
or non-plain emulator URLs; regions that would leave aliyuncs.com are refused. Added here, all
on loopback (a test client sends to a local TLS server instead of the regional host):

* certificate verification is really on: an https endpoint with a self-signed certificate
  fails the TLS handshake, is not retried, and receives no HTTP request (so no credentials),
  also when ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` name that certificate (not consulted);
* the trust store is the one docs/sdk-clients.md documents: OpenSSL's default verify paths (the
  system store, overridable with ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``) plus certifi. A
  certificate named by ``SSL_CERT_FILE`` or found in ``SSL_CERT_DIR`` is accepted (this is how
  a TLS-inspecting corporate proxy is trusted); the host name is still checked;
* with an ambient HTTPS_PROXY (a non-Alibaba host) real-cloud mode only sends ``CONNECT
  ice.<region>.aliyuncs.com:443``: no AccessKey, signature, token or AuthKey in clear;
* load_settings and Transport agree on emulator URLs: whatever load_settings accepts,
  Transport accepts, and neither accepts a non-loopback host.
"""

from __future__ import annotations

import hashlib
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from alibabacloud_ice20201109.client import Client as IceSdk
from alibabacloud_tea_openapi.utils_models import Config
from cryptography import x509

from components.aliyun import tls
from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Timeouts, Transport, TransportError
from components.aliyun.errors import CloudError
from components.aliyun.ice import IceClient
from components.aliyun.retry import RetryPolicy
from components.core.callback import CallbackSetting
from components.core.errors import ConfigError
from components.core.stack_config import load_settings
from tests.fakes.certificates import self_signed_certificate

ACCESS_KEY_ID = "LTAIprobeKeyId0001"
ACCESS_SECRET = "ProbeAccessSecret0001xyz"
STS_TOKEN = "ProbeStsToken0001abcdef"
AUTH_KEY = "ProbeAuthKey2026abc"
ONE_ATTEMPT = RetryPolicy(max_attempts=1)
SETTING = CallbackSetting(
    "HTTP", url="https://hooks.example.com/ims", events=("FileUploadComplete",),
    auth_enabled=True, auth_key=AUTH_KEY,
)  # fmt: skip


def credential():
    return resolve_credentials(
        {
            "alicloud:accessKey": ACCESS_KEY_ID,
            "alicloud:secretKey": ACCESS_SECRET,
            "alicloud:securityToken": STS_TOKEN,
        },
        {},
    )


# -- certificate verification ----------------------------------------------------------------
class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 - per-server class, set in the fixture

    def do_POST(self) -> None:
        self.requests.append(self.requestline)
        body = b'{"RequestId": "RID-TLS", "Success": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


_USED_PORTS: set[int] = set()


def _server_on_a_fresh_port(handler: type[_Recorder]) -> http.server.ThreadingHTTPServer:
    """A port no earlier test server in this process had: the SDK caches one session per host
    and port."""
    while True:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        port = server.server_address[1]
        if port not in _USED_PORTS:
            _USED_PORTS.add(port)
            return server
        server.server_close()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, list[str], Path]]:
    """A TLS server with a new self-signed certificate. The process's shared client context
    (:mod:`components.aliyun.tls`) is dropped before and after, so each test reads the TLS
    environment it sets, as a new ``pulumi`` run or drift check would."""
    tls.shared_context.cache_clear()
    files = self_signed_certificate(tmp_path)
    cert, key = files.cert, files.key
    handler = type("Recorder", (_Recorder,), {"requests": []})
    server = _server_on_a_fresh_port(handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", handler.requests, cert
    finally:
        server.shutdown()
        server.server_close()
        tls.shared_context.cache_clear()


def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


class _IceAt(IceClient):
    """An IceClient whose requests go over HTTPS to ``endpoint`` (``host:port``) instead of the
    regional host: the product has no such setting, tests need it for a local TLS server."""

    def __init__(self, endpoint: str) -> None:
        super().__init__("cn-beijing", credential(), Transport(), ONE_ATTEMPT, Timeouts(2, 2))
        self._endpoint = endpoint

    def _new_sdk(self, config: Config) -> IceSdk:
        config.endpoint = self._endpoint
        return super()._new_sdk(config)


def client_for(url: str) -> IceClient:
    return _IceAt(urlsplit(url).netloc)


def assert_refused(client: IceClient, requests: list[str]) -> None:
    with pytest.raises(CloudError) as info:
        client.set_callback(SETTING)
    assert info.value.code == "SSLError"
    assert not info.value.retryable  # certificate problems do not heal by retrying
    assert requests == []  # no HTTP request (and so no signed credentials) reached the server
    assert AUTH_KEY not in str(info.value)


def openssl_subject_hash(cert_file: Path) -> str:
    """``openssl x509 -hash`` of a certificate whose subject is already in canonical form.

    OpenSSL names the files of a CA directory ``<hash>.0``: the first 4 bytes (little endian)
    of the SHA-1 of the canonical subject DER without its outer SEQUENCE header. The test
    certificate's subject (one UTF8String CN of lower-case ASCII) is already canonical.
    """
    der = x509.load_pem_x509_certificate(cert_file.read_bytes()).subject.public_bytes()
    assert der[0] == 0x30  # a SEQUENCE
    assert der[1] < 0x80  # short form length: 2 header bytes
    digest = hashlib.sha1(der[2:], usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


@pytest.mark.parametrize("bundle_env", [None, "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_self_signed_endpoint_fails_tls_before_any_request(
    tls_server: tuple[str, list[str], Path], monkeypatch: pytest.MonkeyPatch, bundle_env: str | None
):
    url, requests, cert = tls_server
    no_proxies(monkeypatch)
    if bundle_env:  # requests' environment variables: the SDK's Session.send never reads them
        monkeypatch.setenv(bundle_env, str(cert))
    assert_refused(client_for(url), requests)


@pytest.mark.parametrize("how", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_certificate_trusted_through_openssl_env_is_accepted(
    tls_server: tuple[str, list[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    how: str,
):
    """The documented trust: OpenSSL's default verify paths, which these two variables
    override, plus certifi. The request (signed credentials included) reaches the server."""
    url, requests, cert = tls_server
    no_proxies(monkeypatch)
    if how == "SSL_CERT_FILE":
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    else:
        ca_dir = tmp_path / "ca-dir"
        ca_dir.mkdir()
        (ca_dir / f"{openssl_subject_hash(cert)}.0").write_bytes(cert.read_bytes())
        monkeypatch.setenv("SSL_CERT_DIR", str(ca_dir))
    client_for(url).set_callback(SETTING)  # TLS verified against the trusted certificate
    assert len(requests) == 1
    assert requests[0].startswith("POST /?")


def test_openssl_env_adds_trust_but_never_turns_verification_off(
    tls_server: tuple[str, list[str], Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """SSL_CERT_FILE naming some other certificate does not make the server's acceptable, and
    a trusted certificate is still checked against the host name (its SAN is 127.0.0.1)."""
    url, requests, cert = tls_server
    no_proxies(monkeypatch)
    other = self_signed_certificate(tmp_path / "other").cert
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    assert_refused(client_for(url), requests)

    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    tls.shared_context.cache_clear()  # as a new run would read it
    with pytest.raises(CloudError, match=r"(?i)mismatch") as info:
        client_for(f"https://localhost:{urlsplit(url).port}").set_callback(SETTING)
    assert info.value.code == "SSLError"
    assert requests == []


# -- an ambient proxy in real-cloud mode ------------------------------------------------------
@pytest.fixture
def recording_proxy() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback 'proxy' that records what it is sent, answers 403 and closes."""
    seen: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except TimeoutError:
                    pass
                seen.append(data)
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def test_real_cloud_mode_through_an_ambient_proxy_only_tunnels(
    recording_proxy: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
):
    proxy, seen = recording_proxy
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy)  # nothing can leave the machine
    client = IceClient("cn-beijing", credential(), Transport(), ONE_ATTEMPT, Timeouts(2, 2))
    with pytest.raises(CloudError):
        client.set_callback(SETTING)
    assert seen, "the request should have gone to the ambient proxy"
    sent = b"".join(seen).decode("latin-1")
    assert sent.startswith("CONNECT ice.cn-beijing.aliyuncs.com:443 ")
    for secret in (ACCESS_KEY_ID, ACCESS_SECRET, STS_TOKEN, AUTH_KEY, "Authorization", "Signature"):
        assert secret not in sent


# -- emulator URLs: load_settings and Transport agree -----------------------------------------
EMULATOR_URLS = [
    "http://127.0.0.1:18100",
    "http://localhost:18100",
    "http://LOCALHOST:18100/",
    "http://[::1]:18100",
    "http://127.0.0.2:18100",
    "http://127.0.0.1",
    "http://10.0.0.8:18100",
    "http://192.168.1.2:18100",
    "http://0.0.0.0:18100",
    "http://127.1:18100",
    "http://2130706433:18100",
    "http://localhost.evil.example:18100",
    "http://127.0.0.1.nip.io:18100",
    "http://[::ffff:127.0.0.1]:18100",
    "http://emulator:18100",
    "https://127.0.0.1:18100",
    "http://user:pw@127.0.0.1:18100",
    "http://127.0.0.1:18100/path",
    "http://127.0.0.1:18100?x=1",
    "http://127.0.0.1:99999",
    "ftp://127.0.0.1:18100",
]


def settings_accept(url: str) -> bool:
    callbacks = {"regions": {"cn-beijing": {"delivery": "mns", "events": ["FileUploadComplete"]}}}
    config = {"ims-callbacks:callbacks": callbacks, "ims:emulator": url}
    try:
        settings, _ = load_settings(config, project="p", stack="s")
    except ConfigError as err:
        paths = [p.path for p in err.problems]
    else:
        assert settings.emulator is not None
        Transport(emulator=settings.emulator)  # the normalised form is accepted too
        return True
    assert paths == ["emulator"]
    return False


def transport_accepts(url: str) -> bool:
    try:
        Transport(emulator=url)
    except TransportError:
        return False
    return True


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.mark.parametrize("url", EMULATOR_URLS)
def test_emulator_url_rules_agree_and_stay_on_loopback(url: str):
    accepted_by_settings = settings_accept(url)
    accepted_by_transport = transport_accepts(url)
    if accepted_by_settings:
        assert accepted_by_transport  # nothing validates and then fails at call time
    if accepted_by_settings or accepted_by_transport:
        assert is_loopback(url)
        assert urlsplit(url).scheme == "http"
