"""Official SDK clients pointed at the emulator (configuration only) and small test utilities."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from alibabacloud_ice20201109.client import Client as IceClient
from alibabacloud_mns_open20220119.client import Client as MnsClient
from alibabacloud_tea_openapi.models import Config

from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess


def sdk_config(emu: EmulatorProcess, host: str, **overrides) -> Config:
    """The only thing that points the SDK at the emulator: endpoint, HTTP, proxy, credentials."""
    values = {
        "access_key_id": DEFAULT_ACCESS_KEY_ID,
        "access_key_secret": DEFAULT_ACCESS_KEY_SECRET,
        "endpoint": host,
        "protocol": "HTTP",
        "http_proxy": emu.base_url,
        **overrides,
    }
    return Config(**values)


def ice(emu: EmulatorProcess, region: str = "cn-beijing", **overrides) -> IceClient:
    return IceClient(sdk_config(emu, f"ice.{region}.aliyuncs.com", region_id=region, **overrides))


def mns(emu: EmulatorProcess, region: str = "cn-beijing", **overrides) -> MnsClient:
    return MnsClient(
        sdk_config(emu, f"mns-open.{region}.aliyuncs.com", region_id=region, **overrides)
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class Receiver:
    """A local HTTP callback receiver answering with scripted statuses (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)


@contextmanager
def callback_receiver(path: str = "/ims/callback") -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
