"""A git host on the loopback interface: smart HTTP over HTTPS, read-only, a test double.

``pulumi package add https://host/owner/repo/path@vX.Y.Z`` clones the tag with go-git, which
speaks only the smart HTTP protocol and, for packages, only HTTPS. dulwich's WSGI application
serves the protocol (``info/refs`` and ``git-upload-pack``, shallow clones included) in a
threaded ``wsgiref`` server wrapped in TLS, with a self-signed certificate that a Go client
trusts through ``SSL_CERT_FILE``.

The URL names the host without a port, like a real one: the CLI names the plugin's folder
after the host, and Python's ``venv`` refuses a path holding ``:``, so ``host:port`` URLs
cannot be installed. The client reaches the server through an HTTP ``CONNECT`` proxy
(``HTTPS_PROXY``) that tunnels ``HOST:443`` to it and every other destination to where it
names (pip, run by the CLI for the plugin's virtualenv, shares the environment and its index
must stay reachable). Every request and every tunnel is recorded.
"""

from __future__ import annotations

import contextlib
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from dulwich.protocol import CAPABILITY_SIDE_BAND_64K
from dulwich.repo import Repo
from dulwich.server import BackendRepo, DictBackend, UploadPackHandler
from dulwich.web import make_wsgi_chain

from tests.fakes.certificates import LOOPBACK, Certificate

HOST = "git.ims-callbacks.test"  # .test is reserved (RFC 2606): it never resolves


class _UploadPack(UploadPackHandler):
    """upload-pack as git's own behaves for a client that asks for no side-band.

    dulwich requires ``side-band-64k`` and ``thin-pack`` of the client; go-git asks for
    neither (both are optional in git's pack protocol). Without side-band the pack is the end
    of the response; dulwich would add a flush-pkt, which go-git reads as part of the pack.
    """

    @classmethod
    def required_capabilities(cls) -> tuple[bytes, ...]:
        return ()

    def _start_pack_send_phase(self) -> None:
        super()._start_pack_send_phase()
        if not self.has_capability(CAPABILITY_SIDE_BAND_64K):
            write = self.proto.write_pkt_line

            def write_pkt_line(line: bytes | None) -> None:
                if line is not None:
                    write(line)

            self.proto.write_pkt_line = write_pkt_line  # type: ignore[method-assign]


class _GitServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def shutdown_request(self, request: Any) -> None:
        """End TLS with a close_notify first: the responses are HTTP/1.0, read to the end."""
        with contextlib.suppress(OSError, ValueError):  # the client went first, or no handshake
            request.unwrap()
        super().shutdown_request(request)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the access log out of the test output (``GitServer.requests`` has it)."""


class _Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    upstream: tuple[str, int]
    record: list[str]


class _ConnectHandler(socketserver.StreamRequestHandler):
    """``CONNECT HOST:443`` tunnels to the git server, any other ``CONNECT`` to its target."""

    server: _Proxy

    def handle(self) -> None:
        request_line = self.rfile.readline(1024).decode("latin-1").strip()
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass
        self.server.record.append(request_line)
        method, _, rest = request_line.partition(" ")
        target = rest.partition(" ")[0]
        host, _, port = target.rpartition(":")
        if method != "CONNECT" or not port.isdigit():
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        address = self.server.upstream if target == f"{HOST}:443" else (host, int(port))
        try:
            upstream = socket.create_connection(address, timeout=60)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            self.wfile.flush()
            _pipe(self.connection, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes (or a minute of silence)."""
    while True:
        readable, _, _ = select.select([a, b], [], [], 60)
        if not readable:
            return
        for source in readable:
            data = source.recv(65536)
            if not data:
                return
            (b if source is a else a).sendall(data)


@dataclass
class GitServer:
    """A running host: the base URL, the proxy to reach it, and what it was asked.

    ``requests`` holds ``METHOD /path?query`` per git request; ``tunnels`` the proxy's
    request lines (``CONNECT host:port HTTP/1.1``).
    """

    url: str
    proxy: str
    requests: list[str] = field(default_factory=list)
    tunnels: list[str] = field(default_factory=list)

    def env(self, certificate: Certificate) -> dict[str, str]:
        """What a client's environment needs to reach the host and trust its certificate."""
        return {
            "HTTPS_PROXY": self.proxy,
            "https_proxy": self.proxy,
            "NO_PROXY": f"{LOOPBACK},localhost",  # the emulator, plugins' gRPC: direct
            "no_proxy": f"{LOOPBACK},localhost",
            "SSL_CERT_FILE": str(certificate.cert),
        }


def _serve(server: socketserver.BaseServer, name: str, stack: ExitStack) -> None:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    stack.callback(stop)


@contextmanager
def serve_git(repos: Mapping[str, Path], certificate: Certificate) -> Iterator[GitServer]:
    """Serve bare repositories at ``https://HOST/...`` until the block ends.

    ``repos`` maps a URL path (``/org/name.git``) to a bare repository on disk.
    """
    requests: list[str] = []
    with ExitStack() as stack:
        served: dict[str, BackendRepo] = {}
        for path, bare in repos.items():
            repo = Repo(str(bare))
            stack.callback(repo.close)
            served[path] = repo
        git_app = make_wsgi_chain(DictBackend(served), handlers={b"git-upload-pack": _UploadPack})

        def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            query = environ.get("QUERY_STRING", "")
            requests.append(
                f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}{'?' if query else ''}{query}"
            )
            return git_app(environ, start_response)

        https = make_server(LOOPBACK, 0, app, server_class=_GitServer, handler_class=_QuietHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate.cert, certificate.key)
        # The handshake happens in the request's thread: one stuck client stops no other.
        https.socket = context.wrap_socket(
            https.socket, server_side=True, do_handshake_on_connect=False
        )
        _serve(https, "git-https", stack)
        proxy = _Proxy((LOOPBACK, 0), _ConnectHandler)
        proxy.upstream = (LOOPBACK, https.server_port)
        proxy.record = []
        _serve(proxy, "git-proxy", stack)
        yield GitServer(
            url=f"https://{HOST}",
            proxy=f"http://{LOOPBACK}:{proxy.server_address[1]}",
            requests=requests,
            tunnels=proxy.record,
        )
