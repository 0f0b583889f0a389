"""Serve :class:`ImsProvider` over gRPC, with user errors as one clean line.

The SDK's servicer turns every exception into a message with a Python traceback. Ours, a
refusal or a failed cloud call, is the whole message: :class:`CleanErrorServicer` ends the
call with just its text, so the CLI prints ``error: <one line>`` for the resource. Anything
else is a bug, and keeps its traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

from components.provider.errors import user_error
from components.provider.provider import ImsProvider
from components.version import VERSION

Rpc = Callable[[Any, Any], Awaitable[Any]]


async def _clean(rpc: Rpc, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    """Run ``rpc``; end the call with just the message of a user error."""
    try:
        return await rpc(request, context)
    except Exception as exc:
        error = user_error(exc)
        if error is None:
            raise
        await context.abort(grpc.StatusCode.UNKNOWN, str(error))


class CleanErrorServicer(ProviderServicer):
    """The SDK's servicer; only the errors of the resource RPCs change."""

    async def Check(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Check, with a user error as one line."""
        return await _clean(super().Check, request, context)

    async def Diff(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Diff, with a user error as one line."""
        return await _clean(super().Diff, request, context)

    async def Create(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Create, with a user error as one line."""
        return await _clean(super().Create, request, context)

    async def Read(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Read, with a user error as one line."""
        return await _clean(super().Read, request, context)

    async def Update(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Update, with a user error as one line."""
        return await _clean(super().Update, request, context)

    async def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Delete, with a user error as one line."""
        return await _clean(super().Delete, request, context)

    async def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Configure, with a user error as one line."""
        return await _clean(super().Configure, request, context)

    async def Construct(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        """Construct, with a user error as one line."""
        return await _clean(super().Construct, request, context)


def main(argv: list[str] | None = None) -> None:
    """Print the port, then serve until the engine stops us (the SDK's ``main``, our servicer)."""
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
