"""Serve :class:`ImsProvider` over gRPC, with user errors as one clean line.

:class:`CleanErrorServicer` is the SDK's servicer with each RPC that runs the provider's code
wrapped once: a user error (:mod:`components.provider.errors`) ends the call with its text, so
the CLI prints ``error: <one line>``; anything else is a bug and keeps the SDK's traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

from components.aliyun.runtime import prepare
from components.provider.errors import user_error
from components.provider.provider import ImsProvider
from components.version import VERSION

Rpc = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]

CLEAN_RPCS = ("Check", "Diff", "Create", "Read", "Update", "Delete", "Configure", "Construct")
"""The ``ProviderServicer`` methods that run the provider's code, so may raise a user error."""


def _clean(rpc: Rpc) -> Rpc:
    """``rpc``, ending the call with just the message of a user error."""

    @functools.wraps(rpc)
    async def clean(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await rpc(request, context)
        except Exception as exc:
            error = user_error(exc)
            if error is None:
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, str(error))

    return clean


class CleanErrorServicer(ProviderServicer):
    """The SDK's servicer; only the errors of :data:`CLEAN_RPCS` change."""

    def __init__(
        self, args: list[str], version: str, provider: p.Provider, engine_address: str
    ) -> None:
        """As the SDK's servicer, with each of :data:`CLEAN_RPCS` wrapped by :func:`_clean`."""
        super().__init__(args, version, provider, engine_address)
        for name in CLEAN_RPCS:
            setattr(self, name, _clean(getattr(self, name)))


def main(argv: list[str] | None = None) -> None:
    """Print the port, then serve until the engine stops us (the SDK's ``main``, our servicer)."""
    prepare()
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="the ims Pulumi resource provider")
    parser.add_argument("engine", help="Pulumi engine address")
    parser.add_argument("--logflow", action="store_true", help="ignored")
    parser.add_argument("--logtostderr", action="store_true", help="ignored")
    known, _ = parser.parse_known_args(args)

    async def serve() -> None:
        engine = engine_pb2_grpc.EngineStub(
            grpc.aio.insecure_channel(known.engine, options=_GRPC_CHANNEL_OPTIONS)
        )

        async def warn(message: str) -> None:
            await engine.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message))

        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        provider = ImsProvider(warn)
        servicer = CleanErrorServicer(args, VERSION, provider, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
