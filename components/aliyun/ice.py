"""IceClient: the region's event-callback setting through the official ICE 2020-11-09 SDK."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NoReturn

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_ice20201109.client import Client as IceSdk
from alibabacloud_ice20201109.models import SetEventCallbackRequest

from components.aliyun.calls import invoke, require_success
from components.aliyun.endpoints import Timeouts, Transport, regional_host, sdk_config
from components.aliyun.retry import RetryPolicy
from components.core.callback import CallbackSetting


class IceClient:
    """ICE calls for one region. Cheap to construct; the SDK client is built on first use.

    Construct it inside each provider method: it holds a credentials client and (later) an SDK
    client, neither of which may be pickled into Pulumi state, so pickling it raises.
    """

    def __init__(
        self,
        region: str,
        credential: CredentialClient,
        transport: Transport | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        regional_host("ice", region)  # reject a malformed region now, not at the first call
        self.region = region
        self._credential = credential
        self._transport = transport or Transport()
        self._retry = retry or RetryPolicy()
        self._timeouts = timeouts
        self._sdk: IceSdk | None = None

    def __getstate__(self) -> NoReturn:
        raise TypeError("IceClient must not be pickled; create it inside provider methods")

    def _client(self) -> IceSdk:
        if self._sdk is None:
            config = sdk_config(
                "ice", self.region, self._credential, self._transport, self._timeouts
            )
            self._sdk = IceSdk(config)
        return self._sdk

    def get_callback(self) -> CallbackSetting:
        """The live setting (GetEventCallback). Note: it includes the AuthKey in plain text."""
        response = invoke(
            "ice:GetEventCallback",
            self.region,
            lambda: self._client().get_event_callback(),
            self._retry,
        )
        body: dict[str, Any] = response.body.to_map() if response.body is not None else {}
        return CallbackSetting.from_api(body)

    def set_callback(self, setting: CallbackSetting) -> None:
        """Apply ``setting`` (SetEventCallback with ``setting.to_api()``); checks ``Success``.

        The API replaces the whole configuration (ICE-SET-PUT), so ``setting`` must be complete.
        """
        operation = "ice:SetEventCallback"
        request = SetEventCallbackRequest().from_map(setting.to_api())

        def call() -> None:
            require_success(operation, self.region, self._client().set_event_callback(request))

        invoke(operation, self.region, call, self._retry, secrets=(setting.auth_key,))

    def reset_callback(self) -> None:
        """Stop all deliveries: keep the region's target but subscribe to no events, auth off.

        ICE has no delete API and ``CallbackType`` cannot be unset (docs/api-contract.md
        ICE-SET-TYPE-REQUIRED, ICE-SET-PUT), so "reset" is our reading: GetEventCallback, then
        SetEventCallback with the same type and URL/queue, ``EventTypeList=""``
        (ICE-SET-EVENTS-CLEAR) and ``AuthSwitch=off``. A region without a callback type has
        nothing to deliver and is left alone. For MNS the queue must still exist.
        """
        live = self.get_callback()
        if live.callback_type is None:
            return
        self.set_callback(replace(live, events=(), auth_enabled=False, auth_key=""))
