"""Switchable emulator answers to the open questions of ice-api.md §8.

Each switch names the docs/api-contract.md rule it replaces and its variants; the first
variant is the documented default. Pick another one with ``serve --assume RULE=VARIANT``
(repeatable) or ``IMS_EMULATOR_ASSUME="RULE=VARIANT,RULE=VARIANT"``, e.g. when the contract
report (docs/contract.md) shows that a real account answers differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ASSUME_ENV = "IMS_EMULATOR_ASSUME"


@dataclass(frozen=True)
class Switch:
    """One switchable rule: its §8 question and its variants (the first is the default)."""

    rule: str
    question: int
    variants: Mapping[str, str]
    """variant -> what the emulator then does."""

    @property
    def default(self) -> str:
        """The documented variant."""
        return next(iter(self.variants))


SWITCHES: Mapping[str, Switch] = {
    switch.rule: switch
    for switch in (
        Switch(
            "ICE-SET-EVENTS-CLEAR",
            1,
            {
                "clear": 'EventTypeList="" clears the stored event list',
                "keep": 'EventTypeList="" keeps the stored event list',
            },
        ),
        Switch(
            "ICE-SET-PUT",
            2,
            {
                "put": "SetEventCallback replaces the configuration; omitted fields are cleared",
                "patch": "omitted fields keep their stored value; checks apply to the result",
            },
        ),
        Switch(
            "ICE-SET-EVENTS-KNOWN",
            3,
            {
                "reject": "unknown event names are InvalidParameter",
                "accept": "any event name is stored",
            },
        ),
        Switch(
            "ICE-SET-QUEUE-EXISTS",
            3,
            {
                "reject": "a CallbackQueueName that does not exist is InvalidParameter",
                "accept": "the queue's existence is not checked at Set time",
            },
        ),
        Switch(
            "ICE-GET-EMPTY",
            4,
            {
                "absent": "unset fields are absent from GetEventCallback",
                "empty": 'every field is present, unset ones as ""',
            },
        ),
    )
}


@dataclass(frozen=True)
class Assumptions:
    """The variant chosen for every switch; ``Assumptions()`` is the documented behaviour."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rule, variant in self.overrides.items():
            switch = SWITCHES.get(rule)
            if switch is None:
                raise ValueError(
                    f"unknown assumption {rule!r}; switchable: {', '.join(sorted(SWITCHES))}"
                )
            if variant not in switch.variants:
                raise ValueError(
                    f"unknown variant {variant!r} for {rule}; one of: {', '.join(switch.variants)}"
                )

    def variant(self, rule: str) -> str:
        """The variant in force for ``rule`` (a key of :data:`SWITCHES`)."""
        return self.overrides.get(rule) or SWITCHES[rule].default

    def as_dict(self) -> dict[str, str]:
        """Every switch with the variant in force."""
        return {rule: self.variant(rule) for rule in SWITCHES}

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Assumptions:
        """From ``RULE=VARIANT`` items; each spec may hold several, comma-separated."""
        overrides: dict[str, str] = {}
        for spec in specs:
            for item in filter(None, (part.strip() for part in spec.split(","))):
                rule, sep, variant = item.partition("=")
                if not sep:
                    raise ValueError(f"an assumption must be given as RULE=VARIANT, got {item!r}")
                overrides[rule.strip()] = variant.strip()
        return cls(overrides)


DOCUMENTED = Assumptions()
