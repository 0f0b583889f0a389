"""``ImsProvider``: the ``ims`` package's RPCs, dispatched by type token to one module each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from pulumi.provider.experimental import provider as p

from components.aliyun.credentials import CREDENTIAL_SETTINGS, SECRET_SETTINGS
from components.core.provider_settings import retry_attempts
from components.core.schema_fields import CALLBACK_QUEUE, EVENT_CALLBACK, IMS_CALLBACKS
from components.core.schema_types import PACKAGE
from components.provider import callback_queue, event_callback
from components.provider.cloud import Cloud
from components.provider.component import construct
from components.provider.errors import ResourceError
from components.provider.properties import plain
from components.provider.refresh_watch import RefreshWatch
from components.provider.schema import schema_json


class ResourceHandler(Protocol):
    """A custom resource's RPCs: what its module (``event_callback``, ``callback_queue``) has."""

    def check(self, request: p.CheckRequest, /) -> p.CheckResponse:
        """Static input checks (no API call)."""

    def diff(self, request: p.DiffRequest, /) -> p.DiffResponse:
        """Stored state against the inputs (no API call)."""

    async def create(self, cloud: Cloud, request: p.CreateRequest, /) -> p.CreateResponse:
        """Create (in preview: call nothing that writes)."""

    async def read(self, cloud: Cloud, request: p.ReadRequest, /) -> p.ReadResponse:
        """Refresh or import."""

    async def update(self, cloud: Cloud, request: p.UpdateRequest, /) -> p.UpdateResponse:
        """Apply changed inputs."""

    async def delete(self, cloud: Cloud, request: p.DeleteRequest, /) -> None:
        """Delete."""


HANDLERS: dict[str, ResourceHandler] = {
    EVENT_CALLBACK.token: event_callback,
    CALLBACK_QUEUE.token: callback_queue,
}
SETTINGS = ("emulator", "retryAttempts", *CREDENTIAL_SETTINGS)

Warn = Callable[[str], Awaitable[None]]
"""Show a warning in the CLI's output (the engine's ``Log``)."""


def _handler(qualified_type: str) -> ResourceHandler:
    """The module for a resource type (a URN's type carries its parents' types before ``$``)."""
    type_token = qualified_type.rsplit("$", 1)[-1]
    try:
        return HANDLERS[type_token]
    except KeyError:
        raise ResourceError(
            f"the ims provider has no resource {type_token!r}; it has {', '.join(sorted(HANDLERS))}"
        ) from None


class ImsProvider(p.Provider):
    """The ``ims`` resource provider: two custom resources and one component."""

    def __init__(self, warn: Warn | None = None) -> None:
        """Unconfigured: the cloud settings arrive with ``configure``."""
        self.cloud = Cloud()
        self.refresh = RefreshWatch()
        self._warn = warn

    async def get_schema(self, _request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        """The package schema (resources, component, provider config)."""
        return p.GetSchemaResponse(schema_json())

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        """The settings as the engine stores them in state: the AccessKey (id, secret, STS
        token) always secret, even when set in plain text (README, Secrets)."""
        inputs = {
            name: value.with_secret(True)
            if name in SECRET_SETTINGS and value.value not in (None, "")
            else value
            for name, value in request.new_inputs.items()
        }
        return p.CheckResponse(inputs=inputs)

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        """Take ``ims:emulator`` and the credential settings; nothing is called here."""
        values = {name: request.args.get(name) for name in SETTINGS}
        settings = {
            name: str(plain(value))
            for name, value in values.items()
            if value is not None and plain(value) not in (None, "")
        }
        for name in SETTINGS:  # older engines send variables instead of args
            variable = request.variables.get(f"{PACKAGE}:config:{name}")
            if variable and name not in settings:
                settings[name] = variable
        try:
            retry_attempts(settings.get("retryAttempts"))
        except ValueError as exc:
            raise ResourceError(str(exc)) from None
        self.cloud = Cloud(settings)
        return p.ConfigureResponse(
            accept_secrets=True, supports_preview=True, accept_outputs=True, accept_resources=True
        )

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        """Static input checks of the resource's type (no API call)."""
        return _handler(request.type).check(request)

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        """Detailed per-property diff of stored state against inputs (no API call)."""
        notice = self.refresh.diffed(request.urn)
        if notice and self._warn is not None:
            await self._warn(notice)
        return _handler(request.type).diff(request)

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        """Create (in preview: check what a create would meet, and call nothing that writes)."""
        return await _handler(request.type).create(self.cloud, request)

    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        """Refresh or import from the live state."""
        self.refresh.read(request.urn)
        return await _handler(request.type).read(self.cloud, request)

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        """Apply changed inputs."""
        return await _handler(request.type).update(self.cloud, request)

    async def delete(self, request: p.DeleteRequest) -> None:
        """Delete, restore or retain, as the resource says."""
        await _handler(request.type).delete(self.cloud, request)

    async def construct(self, request: p.ConstructRequest) -> p.ConstructResponse:
        """Build the ``ImsCallbacks`` component for a program in another language."""
        if request.resource_type != IMS_CALLBACKS.token:
            raise ResourceError(f"the ims provider has no component {request.resource_type!r}")
        return await construct(request, self.cloud.settings)
