"""Annotated pydantic field types whose errors carry our messages (problem and fix).

Validators raise ValueError (pydantic turns only that into a validation error); the
message never includes the value of an auth key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from components.core.rules import check_auth_key, check_event, check_tags
from components.core.schema_types import Bounds


def describe(value: object) -> str:
    """A short, safe description of an input value for messages (`` (got ...)``)."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and len(value) <= 40):
        return f" (got {value!r})"
    kinds = {type(None): "null", dict: "a mapping", list: "a list", str: "a long string"}
    return f" (got {kinds.get(type(value), type(value).__name__)})"


def choice(*allowed: str) -> BeforeValidator:
    """Accept one of ``allowed``, case-insensitively; return it lower-cased."""

    def check(value: object) -> str:
        if isinstance(value, str) and value.strip().lower() in allowed:
            return value.strip().lower()
        raise ValueError(f"must be one of {', '.join(allowed)}{describe(value)}")

    return BeforeValidator(check)


def flag(value: object) -> bool:
    """Accept a YAML boolean or the strings ``true``/``false`` (``pulumi config set --path``)."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"must be true or false{describe(value)}; write true or false, unquoted")


def bounded(bounds: Bounds) -> BeforeValidator:
    """Accept a whole number (or its decimal string) within ``bounds``."""
    low, high, unit = bounds.low, bounds.high, bounds.unit

    def check(value: object) -> int:
        number: object = value
        if isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                number = None
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            raise ValueError(
                f"must be a whole number of {unit} from {low} to {high}{describe(value)}"
            )
        return number

    return BeforeValidator(check)


def optional(check: Callable[[str], str]) -> AfterValidator:
    """Apply ``check`` unless the value is None."""
    return AfterValidator(lambda value: None if value is None else check(value))


def non_empty(events: list[str]) -> list[str]:
    """Reject an empty event list."""
    if not events:
        raise ValueError("must list at least one event, e.g. [FileUploadComplete]")
    return events


def tags_mapping(value: object) -> dict[str, str]:
    """Accept a mapping of string tags that passes :func:`check_tags`."""
    if not isinstance(value, Mapping):
        raise ValueError(  # noqa: TRY004 (pydantic reports ValueError only)
            f"must be a mapping of tag key to value, e.g. {{team: media}}{describe(value)}"
        )
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError("tag keys and values must be strings; quote numbers and booleans")
    return check_tags(value)


class EncryptedKey(BaseModel):
    """A ``{secure: ...}`` value: Pulumi ciphertext that cannot be decrypted here."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    secure: str = Field(repr=False)


def auth_key_value(value: object) -> SecretStr | EncryptedKey | None:
    """Accept a valid key string (as SecretStr), ``{secure: ...}`` ciphertext, or None."""
    if value is None or isinstance(value, EncryptedKey):
        return value
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        return SecretStr(check_auth_key(value))
    if isinstance(value, Mapping) and set(value) == {"secure"} and isinstance(value["secure"], str):
        return EncryptedKey(secure=value["secure"])
    raise ValueError(
        "must be a secret string (`pulumi config set --secret --path "
        "'ims-callbacks:callbacks.regions.<region>.auth.key' <key>`), or omitted to have "
        "a key generated"
    )


EventName = Annotated[str, AfterValidator(check_event)]
EventList = Annotated[list[EventName], AfterValidator(non_empty)]
AuthKeyValue = Annotated[SecretStr | EncryptedKey | None, BeforeValidator(auth_key_value)]
TagsValue = Annotated[dict[str, str], BeforeValidator(tags_mapping)]
Flag = Annotated[bool, BeforeValidator(flag)]
OptionalFlag = Annotated[bool | None, BeforeValidator(lambda v: None if v is None else flag(v))]
