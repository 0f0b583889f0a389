"""The building blocks of the field tables (:mod:`components.core.schema_fields`): fields,
enums, object types and resources of the ``ims`` package, and what is read off them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic.alias_generators import to_snake

Primitive = Literal["string", "integer", "boolean", "any"]
Container = Literal["", "array", "map"]

PACKAGE = "ims"
"""The package's name: the first part of its type tokens and the provider's config namespace."""


def token(name: str) -> str:
    """The type token of the package's resource or type ``name`` (``ims:index:<name>``)."""
    return f"{PACKAGE}:index:{name}"


@dataclass(frozen=True)
class EnumValue:
    """One allowed value; ``deprecated`` is the deprecation message, if any."""

    value: str
    description: str
    deprecated: str | None = None

    @property
    def name(self) -> str:
        """The SDK identifier: the value in PascalCase (``create-role`` -> ``CreateRole``)."""
        return "".join(part[:1].upper() + part[1:] for part in self.value.split("-"))


@dataclass(frozen=True)
class Named:
    """What every enum, object type and resource of the package has: a name and a description."""

    name: str
    description: str


@dataclass(frozen=True)
class EnumType(Named):
    """A string enum of the package (``ims:index:<name>``)."""

    values: tuple[EnumValue, ...]

    @property
    def allowed(self) -> tuple[str, ...]:
        """The allowed values, in table order."""
        return tuple(v.value for v in self.values)


@dataclass(frozen=True)
class Bounds:
    """The range of a whole-number field, its unit (for messages) and its default."""

    low: int
    high: int
    unit: str
    default: int


@dataclass(frozen=True)
class Field:
    """One property: schema name, type (``container`` of ``type``), description and rules."""

    name: str
    type: Primitive | EnumType | ObjectType
    description: str
    container: Container = ""
    attr: str = ""
    """The python name where it is not the snake_case of ``name``."""
    bounds: Bounds | None = None
    default: str | bool | None = None
    secret: bool = False
    required: bool = False

    @property
    def snake(self) -> str:
        """The python (snake_case) name."""
        return self.attr or to_snake(self.name)

    @property
    def doc(self) -> str:
        """The description with the bounds and the default, as the schema shows it."""
        if (b := self.bounds) is not None:
            return f"{self.description} From {b.low} to {b.high} {b.unit}; default {b.default}."
        if self.default is not None:
            return f"{self.description} Default: {json.dumps(self.default)}."
        return self.description


@dataclass(frozen=True)
class ObjectType(Named):
    """An object type of the package (``ims:index:<name>``)."""

    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Resource(Named):
    """A resource or component: its inputs and the outputs it adds to them."""

    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...] = ()
    component: bool = False

    @property
    def token(self) -> str:
        """The resource's type token (``ims:index:<name>``)."""
        return token(self.name)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The schema names of its secret inputs and outputs, in table order."""
        return secret_names((*self.inputs, *self.outputs))


def enum_of(
    name: str, description: str, literal: object, descriptions: Mapping[str, str]
) -> EnumType:
    """An enum whose values are the ``Literal`` type's, described by ``descriptions``."""
    values = get_args(literal)
    if set(values) != set(descriptions):
        raise ValueError(f"{name}: describe exactly {values}, not {tuple(descriptions)}")
    return EnumType(name, description, tuple(EnumValue(v, descriptions[v]) for v in values))


def property_names(fields: Iterable[Field]) -> dict[str, str]:
    """Schema name -> python name, in table order."""
    return {f.name: f.snake for f in fields}


def secret_names(fields: Iterable[Field]) -> tuple[str, ...]:
    """The schema names of the secret fields, in table order."""
    return tuple(f.name for f in fields if f.secret)


def types_of(fields: Iterable[Field]) -> Iterator[EnumType | ObjectType]:
    """Every enum and object type ``fields`` use, at any depth, each once, depth first."""
    seen: set[str] = set()
    pending = list(fields)
    while pending:
        kind = pending.pop(0).type
        if isinstance(kind, str) or kind.name in seen:
            continue
        seen.add(kind.name)
        yield kind
        if isinstance(kind, ObjectType):
            pending[:0] = kind.fields
