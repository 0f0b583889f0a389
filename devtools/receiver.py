"""A small HTTP receiver for IMS callbacks that checks their signature (used by ``make demo``).

IMS signs an HTTP callback with ``X-ICE-TIMESTAMP`` and
``X-ICE-SIGNATURE = md5hex(CallbackURL|timestamp|AuthKey)``. The receiver knows its own
configured callback URL and the auth key, checks every POST with
:func:`emulator.signing.verify_callback`, answers 200 only when the signature is valid (401
otherwise, so IMS retries), and records what it got. It never logs the key or the signature.

In Python (the demo runs it in a thread)::

    with CallbackReceiver("http://127.0.0.1:18199/ims/callback", auth_key) as receiver:
        ...  # fire an event
        receiver.wait_for(1).verified

On its own::

    python -m devtools.receiver --url http://127.0.0.1:18199/ims/callback --key-file KEYFILE
    IMS_RECEIVER_AUTH_KEY=... python -m devtools.receiver --url http://127.0.0.1:18199/ims/callback
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import urlsplit

from emulator.api import is_loopback_host
from emulator.signing import verify_callback

KEY_ENV = "IMS_RECEIVER_AUTH_KEY"
MAX_BODY_BYTES = 1 << 20
SIGNATURE_HEADER = "X-ICE-SIGNATURE"
TIMESTAMP_HEADER = "X-ICE-TIMESTAMP"


class ReceiverError(RuntimeError):
    """The receiver could not start (bad URL, port in use)."""


@dataclass(frozen=True)
class ReceivedCallback:
    """One request the receiver got; no key, no signature."""

    path: str
    event_type: str | None
    verified: bool
    reason: str
    received_at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], receiver: CallbackReceiver) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "ims-callbacks-receiver"
    sys_version = ""

    def do_POST(self) -> None:
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY_BYTES)) if length > 0 else b""
        record = receiver.check(
            self.path, self.headers.get(TIMESTAMP_HEADER), self.headers.get(SIGNATURE_HEADER), body
        )
        if record.reason == "unknown path":
            status = HTTPStatus.NOT_FOUND
        else:
            status = HTTPStatus.OK if record.verified else HTTPStatus.UNAUTHORIZED
        payload = json.dumps({"verified": record.verified, "reason": record.reason}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        payload = b"ims-callbacks demo receiver: POST IMS callbacks here\n"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Request lines are logged by ``CallbackReceiver.check`` instead."""


class CallbackReceiver:
    """Listens at the host, port and path of ``url`` and verifies IMS callback signatures."""

    def __init__(
        self,
        url: str,
        auth_key: str | None,
        *,
        log: Callable[[str], None] | None = None,
    ) -> None:
        """``url`` is the callback URL configured in IMS (loopback only); ``auth_key`` its key."""
        parts = urlsplit(url)
        if parts.scheme != "http" or not is_loopback_host(parts.hostname or ""):
            raise ReceiverError(f"receiver URL must be http://<loopback>:<port>/..., got {url!r}")
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self._key = auth_key or None
        self._log = log or (lambda _line: None)
        self._records: list[ReceivedCallback] = []
        self._cond = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- verification --------------------------------------------------------------------
    def check(
        self, path: str, timestamp: str | None, signature: str | None, body: bytes
    ) -> ReceivedCallback:
        """Verify one request and record it."""
        event_type: str | None = None
        try:
            parsed = json.loads(body or b"{}")
            if isinstance(parsed, dict) and isinstance(parsed.get("EventType"), str):
                event_type = parsed["EventType"]
        except ValueError:
            pass
        verified = False
        if path.split("?", 1)[0] != self.path:
            reason = "unknown path"
        elif self._key is None:
            reason = "no auth key configured in the receiver"
        elif not timestamp or not signature:
            reason = f"unsigned: {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} missing"
        elif verify_callback(self.url, timestamp, self._key, signature):
            verified, reason = True, "signature verified"
        else:
            reason = "bad signature or timestamp outside the 5-minute window"
        record = ReceivedCallback(path, event_type, verified, reason, time.time())
        with self._cond:
            self._records.append(record)
            self._cond.notify_all()
        self._log(f"POST {record.path} EventType={event_type} -> {reason}")
        return record

    @property
    def records(self) -> list[ReceivedCallback]:
        """Everything received so far, oldest first."""
        with self._cond:
            return list(self._records)

    def wait_for(self, count: int, timeout: float = 10.0) -> ReceivedCallback | None:
        """The ``count``-th request (1-based), waiting up to ``timeout`` seconds for it."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._records) >= count, timeout)
            return self._records[count - 1] if len(self._records) >= count else None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> CallbackReceiver:
        """Bind and serve in a background thread; ``ReceiverError`` if the port is taken."""
        try:
            self._server = _Server((self.host, self.port), self)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ReceiverError(f"port {self.port} on {self.host} is already in use") from None
            raise ReceiverError(f"cannot listen on {self.host}:{self.port}: {exc}") from None
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="callback-receiver", daemon=True
        )
        self._thread.start()
        self._log(f"listening on {self.url}")
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> CallbackReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _read_key(key_file: Path | None) -> str | None:
    if key_file is not None:
        return key_file.read_text(encoding="utf-8").strip() or None
    return os.environ.get(KEY_ENV) or None


def main(argv: list[str] | None = None, out: IO[str] = sys.stdout) -> int:
    """Run the receiver in the foreground, one line per callback, until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.receiver",
        description="Receive IMS HTTP callbacks and verify X-ICE-SIGNATURE.",
    )
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:18199/ims/callback",
        help="the callback URL configured in IMS (loopback; default: the local stack's)",
    )
    parser.add_argument(
        "--key-file", type=Path, help=f"file holding the auth key (default: ${KEY_ENV})"
    )
    args = parser.parse_args(argv)

    def emit(line: str) -> None:
        print(line, file=out, flush=True)

    try:
        receiver = CallbackReceiver(args.url, _read_key(args.key_file), log=emit)
        receiver.start()
    except (ReceiverError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
