"""IceClient: the region's event-callback setting through the official ICE 2020-11-09 SDK."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from components.aliyun.calls import invoke, require_success
from components.aliyun.regional import RegionalClient
from components.core.callback import CallbackSetting

if TYPE_CHECKING:
    from alibabacloud_ice20201109.client import Client as IceSdk
    from alibabacloud_tea_openapi.utils_models import Config


class IceClient(RegionalClient["IceSdk"]):
    """ICE calls for one region (see :class:`RegionalClient`); the SDK is imported at the first
    call."""

    product = "ice"

    def _new_sdk(self, config: Config) -> IceSdk:
        from alibabacloud_ice20201109.client import Client  # noqa: PLC0415

        return Client(config)

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
        from alibabacloud_ice20201109.models import SetEventCallbackRequest  # noqa: PLC0415

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
