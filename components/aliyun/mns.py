"""MnsClient: queues through the official MNS management SDK (mns-open 2022-01-19)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from components.aliyun.calls import invoke, require_success
from components.aliyun.errors import CloudError
from components.aliyun.regional import RegionalClient
from components.core.compare import queue_attributes
from components.core.models import QueueSettings, QueueValues

if TYPE_CHECKING:
    from alibabacloud_mns_open20220119.client import Client as MnsSdk
    from alibabacloud_tea_openapi.utils_models import Config

QUEUE_NOT_EXIST = "QueueNotExist"
QUEUE_ALREADY_EXIST = "QueueAlreadyExist"


@dataclass(frozen=True, kw_only=True)
class QueueAttributes(QueueValues):
    """The GetQueueAttributes fields this project manages or checks."""

    name: str
    queue_type: str
    tags: tuple[tuple[str, str], ...] = ()
    """Sorted (key, value) pairs, as in QueueSettings."""

    @classmethod
    def from_settings(cls, settings: QueueSettings) -> QueueAttributes:
        """What GetQueueAttributes reports for a normal queue created from ``settings``."""
        return cls(
            name=settings.name,
            queue_type="normal",
            tags=tuple(sorted(dict(settings.tags).items())),
            **queue_attributes(settings),
        )

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> QueueAttributes:
        """From the ``Data`` object of a GetQueueAttributes response."""
        return cls(
            name=str(data.get("QueueName", "")),
            queue_type=str(data.get("QueueType") or "normal"),
            retention_seconds=int(data.get("MessageRetentionPeriod", 0)),
            visibility_timeout_seconds=int(data.get("VisibilityTimeout", 0)),
            polling_wait_seconds=int(data.get("PollingWaitSeconds", 0)),
            max_message_bytes=int(data.get("MaximumMessageSize", 0)),
            delay_seconds=int(data.get("DelaySeconds", 0)),
            logging=bool(data.get("LoggingEnabled", False)),
            tags=tuple(
                sorted(
                    (str(t["TagKey"]), str(t.get("TagValue") or ""))
                    for t in data.get("Tags") or ()
                    if isinstance(t, Mapping) and t.get("TagKey")
                )
            ),
        )


def _attribute_args(settings: QueueSettings) -> dict[str, Any]:
    """The queue name and attributes, as CreateQueue and SetQueueAttributes both name them."""
    return {
        "queue_name": settings.name,
        "message_retention_period": settings.retention_seconds,
        "visibility_timeout": settings.visibility_timeout_seconds,
        "polling_wait_seconds": settings.polling_wait_seconds,
        "maximum_message_size": settings.max_message_bytes,
        "delay_seconds": settings.delay_seconds,
        "enable_logging": settings.logging,
    }


class MnsClient(RegionalClient["MnsSdk"]):
    """Queue management for one region (see :class:`RegionalClient`)."""

    product = "mns-open"

    def _new_sdk(self, config: Config) -> MnsSdk:
        from alibabacloud_mns_open20220119.client import Client  # noqa: PLC0415

        return Client(config)

    def _call(
        self, action: str, send: Callable[[], Any], expected: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """Send one request; check ``Success`` and return the body's ``Data`` object."""
        operation = f"mns-open:{action}"

        def call() -> dict[str, Any]:
            response = send()
            require_success(operation, self.region, response)
            data = response.body.to_map().get("Data")
            return data if isinstance(data, dict) else {}

        return invoke(operation, self.region, call, self._retry, expected=expected)

    def _call_if_queue_exists(self, action: str, send: Callable[[], Any]) -> dict[str, Any] | None:
        """Like :meth:`_call`, but None (not an error) when the queue does not exist."""
        try:
            return self._call(action, send, expected=frozenset({QUEUE_NOT_EXIST}))
        except CloudError as exc:
            if exc.code == QUEUE_NOT_EXIST:
                return None
            raise

    def get_queue(self, name: str) -> QueueAttributes | None:
        """The queue's attributes, or None if it does not exist."""
        from alibabacloud_mns_open20220119.models import GetQueueAttributesRequest  # noqa: PLC0415

        request = GetQueueAttributesRequest(queue_name=name)
        data = self._call_if_queue_exists(
            "GetQueueAttributes", lambda: self._client().get_queue_attributes(request)
        )
        return None if data is None else QueueAttributes.from_api(data)

    def create_queue(self, settings: QueueSettings) -> None:
        """CreateQueue with every attribute and the tags of ``settings`` (a normal queue).

        CreateQueue is not idempotent: if an attempt timed out after the service had acted, the
        retry answers QueueAlreadyExist. After a retry that answer is accepted when the live
        queue has exactly the requested attributes and tags; otherwise it is raised.
        """
        from alibabacloud_mns_open20220119.models import (  # noqa: PLC0415
            CreateQueueRequest,
            CreateQueueRequestTag,
        )

        request = CreateQueueRequest(
            **_attribute_args(settings),
            tag=[
                CreateQueueRequestTag(key=k, value=v)
                for k, v in sorted(dict(settings.tags).items())
            ]
            or None,
        )
        try:
            self._call(
                "CreateQueue",
                lambda: self._client().create_queue(request),
                expected=frozenset({QUEUE_ALREADY_EXIST}),  # callers decide: logged at INFO
            )
        except CloudError as exc:
            if exc.code != QUEUE_ALREADY_EXIST or exc.attempts < 2:
                raise
            if self.get_queue(settings.name) != QueueAttributes.from_settings(settings):
                raise

    def update_queue(self, settings: QueueSettings) -> None:
        """SetQueueAttributes with every attribute of ``settings``.

        Tags are not touched: mns-open 2022-01-19 can only set them at CreateQueue.
        """
        from alibabacloud_mns_open20220119.models import SetQueueAttributesRequest  # noqa: PLC0415

        request = SetQueueAttributesRequest(**_attribute_args(settings))
        self._call("SetQueueAttributes", lambda: self._client().set_queue_attributes(request))

    def delete_queue(self, name: str) -> bool:
        """DeleteQueue; False (not an error) when the queue was already gone."""
        from alibabacloud_mns_open20220119.models import DeleteQueueRequest  # noqa: PLC0415

        request = DeleteQueueRequest(queue_name=name)
        data = self._call_if_queue_exists(
            "DeleteQueue", lambda: self._client().delete_queue(request)
        )
        return data is not None
