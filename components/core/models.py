"""Pydantic models of the ``ims-callbacks`` stack config and the resolved settings.

The models check single fields (see :mod:`components.core.fields`); what spans fields or
regions is checked by :func:`components.core.stack_config.load_settings`, which turns a valid
:class:`RegionConfig` into frozen :class:`RegionSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from components.core.callback import CallbackSetting
from components.core.fields import (
    AuthKeyValue,
    EventList,
    Flag,
    OptionalFlag,
    TagsValue,
    bounded,
    choice,
    optional,
)
from components.core.rules import check_callback_url, check_queue_name, check_role_name
from components.core.schema_fields import (
    DEFAULT_GRANT_MODE,
    DEFAULT_ON_DELETE,
    DEFAULT_ROLE_NAME,
    DELIVERY_ENUM,
    GRANT_MODE_ENUM,
    ON_DELETE_ENUM,
    QUEUE_BOUNDS,
    Delivery,
    GrantMode,
    OnDelete,
)

_RETENTION = QUEUE_BOUNDS["retention_seconds"]
_VISIBILITY = QUEUE_BOUNDS["visibility_timeout_seconds"]
_POLLING = QUEUE_BOUNDS["polling_wait_seconds"]
_SIZE = QUEUE_BOUNDS["max_message_bytes"]
_DELAY = QUEUE_BOUNDS["delay_seconds"]
_DELIVERY = choice(*DELIVERY_ENUM.allowed)


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class AuthConfig(_Model):
    """``auth``: HTTP signing (ice-api.md §3). Enabled by default for http delivery."""

    enabled: OptionalFlag = None
    key: AuthKeyValue = None


class QueueConfig(_Model):
    """``queue``: the MNS queue IMS writes to (ice-api.md §4.2, §4.3)."""

    name: Annotated[str | None, optional(check_queue_name)] = None
    existing: Flag = False
    retention_seconds: Annotated[int, bounded(_RETENTION)] = _RETENTION.default
    visibility_timeout_seconds: Annotated[int, bounded(_VISIBILITY)] = _VISIBILITY.default
    polling_wait_seconds: Annotated[int, bounded(_POLLING)] = _POLLING.default
    max_message_bytes: Annotated[int, bounded(_SIZE)] = _SIZE.default
    delay_seconds: Annotated[int, bounded(_DELAY)] = _DELAY.default
    logging: Flag = False
    tags: TagsValue = Field(default_factory=dict)


class RegionFields(_Model):
    """Every region field, all optional; the base of defaults and regions."""

    delivery: Annotated[Delivery | None, _DELIVERY] = None
    events: EventList | None = None
    allow_insecure_http: Flag = False
    url: str | None = None
    auth: AuthConfig | None = None
    queue: QueueConfig | None = None
    adopt: Flag = False
    on_delete: Annotated[OnDelete, choice(*ON_DELETE_ENUM.allowed)] = DEFAULT_ON_DELETE

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        insecure = bool(info.data.get("allow_insecure_http"))
        return None if value is None else check_callback_url(value, allow_insecure_http=insecure)


class DefaultsConfig(RegionFields):
    """``callbacks.defaults``: merged into every region (the region's value wins)."""


class RegionConfig(RegionFields):
    """``callbacks.regions.<region>`` after the defaults merge."""

    delivery: Annotated[Delivery, _DELIVERY]
    events: EventList


class GrantSettings(_Model):
    """``callbacks.grant``: how IMS gets permission to write to the MNS queues."""

    mode: Annotated[GrantMode, choice(*GRANT_MODE_ENUM.allowed)] = DEFAULT_GRANT_MODE
    role_name: Annotated[str, AfterValidator(check_role_name)] = DEFAULT_ROLE_NAME


NESTED_MODELS: dict[str, type[BaseModel]] = {"auth": AuthConfig, "queue": QueueConfig}
"""Region fields (by alias) whose values are models themselves."""


@dataclass(frozen=True, kw_only=True)
class QueueValues:
    """The attributes SetQueueAttributes changes (the table's queue attribute fields, in
    order): what a queue's settings and its live attributes share."""

    retention_seconds: int
    visibility_timeout_seconds: int
    polling_wait_seconds: int
    max_message_bytes: int
    delay_seconds: int
    logging: bool


@dataclass(frozen=True, kw_only=True)
class QueueSettings(QueueValues):
    """The resolved MNS queue of an mns region."""

    name: str
    existing: bool
    tags: tuple[tuple[str, str], ...]
    """Sorted (key, value) pairs; ``dict(queue.tags)`` gives a mapping."""


@dataclass(frozen=True)
class RegionSettings:
    """One region's validated settings, with defaults merged and resolved."""

    region: str
    delivery: Delivery
    url: str | None
    queue: QueueSettings | None
    events: tuple[str, ...]
    auth_enabled: bool
    auth_key: SecretStr | None
    auth_key_encrypted: bool
    adopt: bool
    on_delete: OnDelete

    def created_queue(self) -> QueueSettings | None:
        """The MNS queue the stack creates for this region (none for http, nor for a queue
        named with ``existing: true``); the program declares it, the drift check reads it."""
        queue = self.queue
        return queue if self.delivery == "mns" and queue and not queue.existing else None

    def desired(self, auth_key: str | None = None) -> CallbackSetting:
        """The CallbackSetting this region asks for.

        ``auth_key`` overrides the configured key (used for generated keys). With auth on
        and no key known (to be generated, or encrypted here) the key is ``""``, which
        :func:`components.core.compare.compare` does not compare.
        """
        if self.delivery == "mns":
            queue_name = self.queue.name if self.queue else ""
            return CallbackSetting("MNS", queue_name=queue_name, events=self.events)
        if auth_key is None:
            auth_key = self.auth_key.get_secret_value() if self.auth_key else ""
        return CallbackSetting(
            "HTTP",
            url=self.url or "",
            events=self.events,
            auth_enabled=self.auth_enabled,
            auth_key=auth_key if self.auth_enabled else "",
        )


@dataclass(frozen=True)
class StackSettings:
    """The whole validated ``ims-callbacks`` configuration; regions sorted by id."""

    regions: tuple[RegionSettings, ...]
    grant: GrantSettings
    emulator: str | None
