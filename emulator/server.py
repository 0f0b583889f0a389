"""HTTP transport: one loopback port, HTTP/1.1 keep-alive, acting as the SDK's HTTP proxy.

The SDK sends absolute-form request lines (``POST http://ice.cn-beijing.aliyuncs.com/?...``)
with ``Host: ice.cn-beijing.aliyuncs.com``; the Host picks product and region. Requests to
the emulator's own loopback address under ``/_emulator/`` are admin calls. Log lines carry
no query strings or bodies (they may hold an AuthKey).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from emulator.api import ApiRequest, host_name, is_loopback_host
from emulator.app import ADMIN_PREFIX, Emulator, handle_admin, handle_api

MAX_BODY_BYTES = 1 << 20
_JSON = "application/json;charset=utf-8"

logger = logging.getLogger(__name__)


def check_loopback(host: str) -> None:
    """Refuse to serve on anything but a loopback address."""
    if not is_loopback_host(host):
        raise ValueError(f"refusing to bind {host!r}: the emulator listens on loopback only")


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server carrying the shared ``Emulator``."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, emulator: Emulator) -> None:
        check_loopback(host)
        self.emulator = emulator
        self.bind_host = host
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """``http://<host>:<port>`` of the listening socket."""
        host = f"[{self.bind_host}]" if ":" in self.bind_host else self.bind_host
        return f"http://{host}:{self.server_port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every call on a kept-alive connection.
    disable_nagle_algorithm = True
    server: EmulatorServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_CONNECT(self) -> None:
        self.close_connection = True
        self._send_json(
            501, {"error": "HTTPS through the emulator is not supported; configure protocol HTTP"}
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by the sanitized line in ``_dispatch``."""

    def log_error(self, format: str, *args: Any) -> None:  # noqa: ARG002 - base signature
        """http.server errors may quote the request line (with its query): log no arguments."""
        logger.warning("malformed request from %s", self.client_address[0])

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send_json(411, {"error": "Content-Length required"})
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._send_json(413, {"error": "invalid or too large Content-Length"})
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        started = time.monotonic()
        body = self._read_body()
        if body is None:
            return
        target = urlsplit(self.path)
        host = host_name(self.headers.get("Host", ""))
        status: int | str
        if target.path.startswith(ADMIN_PREFIX) and is_loopback_host(host.strip("[]")):
            status = self._admin(target.path, body)
            what = f"admin {self.command} {target.path}"
        else:
            status, what = self._api(host, target.path, target.query, body)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("%s %s -> %s (%.1f ms)", host, what, status, elapsed_ms)

    def _admin(self, path: str, body: bytes) -> int:
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            status, reply = 400, {"error": "the request body must be a JSON object"}
        else:
            status, reply = handle_admin(self.server.emulator, self.command, path, payload)
        self._send_json(status, reply)
        return status

    def _api(self, host: str, path: str, query: str, body: bytes) -> tuple[int | str, str]:
        headers = {name.lower(): value for name, value in self.headers.items()}
        form: dict[str, str] = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        request = ApiRequest(
            method=self.command,
            host=host,
            path=path or "/",
            query=dict(parse_qsl(query, keep_blank_values=True)),
            form=form,
            headers=headers,
            body=body,
        )
        reply = handle_api(self.server.emulator, request)
        what = f"{reply.region or '-'} {reply.action or '-'} {reply.request_id}"
        if reply.body is None:
            self._drop()
            return "dropped", what
        self._send_json(reply.status, reply.body, {"x-acs-request-id": reply.request_id})
        return reply.status, what

    def _drop(self) -> None:
        """Close the connection without any response (fault injection)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("socket already closed")

    def _send_json(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", _JSON)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
