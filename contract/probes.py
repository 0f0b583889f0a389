"""The probes: one per open question of ice-api.md §8, each split into observable aspects.

A probe records what a target answered instead of asserting a belief. Each aspect names what
the emulator assumes; an aspect tied to a switch of apispec/assumptions.py can be flipped with
``IMS_EMULATOR_ASSUME`` when a real account answers otherwise.

The probes of questions 1 and 2 (:func:`probe_empty_events`, :func:`probe_set_patch_or_put`)
are here rather than in the test suite: ``destroy``'s ``reset`` and ``restore`` rely on their
answers, so ``python -m contract check-account`` (contract/check.py) runs them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from apispec.assumptions import DOCUMENTED, SWITCHES
from contract.target import Reply, Target
from contract.vocabulary import EVENTS, URL, http, ok, stored

NOT_OBSERVABLE = "not observable"
"""Prefix of an observation the target cannot make (``not observable: <why>``)."""


@dataclass(frozen=True)
class Aspect:
    """One observable part of a question: the emulator's answer is ``fixed`` or its switch's."""

    name: str
    fixed: str = ""
    switch: str | None = None

    @property
    def assumed(self) -> str:
        """What the emulator (with the documented rules) answers."""
        return DOCUMENTED.variant(self.switch) if self.switch else self.fixed

    def switch_hint(self, observed: str) -> str:
        """How to make the emulator answer ``observed`` ("" when it already does or cannot)."""
        if observed == self.assumed or observed.startswith(NOT_OBSERVABLE):
            return ""
        if self.switch and observed in SWITCHES[self.switch].variants:
            return f"IMS_EMULATOR_ASSUME={self.switch}={observed}"
        return "no switch: change emulator/ and docs/api-contract.md"


@dataclass(frozen=True)
class Probe:
    """One §8 question."""

    id: str
    question: int
    text: str
    aspects: tuple[Aspect, ...]


UNCONFIRMED_REGIONS = ("eu-central-1", "me-east-1")

PROBES: Mapping[str, Probe] = {
    probe.id: probe
    for probe in (
        Probe(
            "PROBE-EMPTY-EVENTS",
            1,
            'Does EventTypeList="" (or omitted) clear the event list? Can a region return to'
            ' "no callback"?',
            (
                Aspect("ICE-SET-EVENTS-CLEAR", switch="ICE-SET-EVENTS-CLEAR"),
                Aspect("EventTypeList omitted", fixed="clear"),
                Aspect("back to no callback", fixed="impossible (MissingParameter)"),
            ),
        ),
        Probe(
            "PROBE-SET-PATCH-OR-PUT",
            2,
            "Are omitted SetEventCallback parameters kept (PATCH) or reset (PUT)?",
            (
                Aspect("ICE-SET-PUT", switch="ICE-SET-PUT"),
                Aspect("only EventTypeList sent", fixed="rejected (MissingParameter)"),
            ),
        ),
        Probe(
            "PROBE-SET-VALIDATION",
            3,
            "Does SetEventCallback validate event names, the ice-callback- prefix, queue"
            " existence and AuthKey complexity, and with which codes?",
            (
                Aspect("ICE-SET-EVENTS-KNOWN", switch="ICE-SET-EVENTS-KNOWN"),
                Aspect("ICE-SET-QUEUE-EXISTS", switch="ICE-SET-QUEUE-EXISTS"),
                Aspect("ICE-SET-QUEUE-PREFIX", fixed="reject"),
                Aspect("ICE-SET-AUTHKEY-CHARS", fixed="reject"),
                Aspect("error codes", fixed="InvalidParameter"),
            ),
        ),
        Probe(
            "PROBE-GET-NEVER-CONFIGURED",
            4,
            "What does GetEventCallback return for a region that was never configured?",
            (Aspect("ICE-GET-EMPTY", switch="ICE-GET-EMPTY"),),
        ),
        Probe(
            "PROBE-MNS-QUEUE-KINDS",
            5,
            "Which RAM role does IMS use to write to MNS; are FIFO and SSE queues accepted?",
            (
                Aspect("FIFO queue as callback target", fixed="accepted"),
                Aspect("SSE queue as callback target", fixed="accepted"),
                Aspect("role IMS writes with", fixed=f"{NOT_OBSERVABLE}: not emulated"),
            ),
        ),
        Probe(
            "PROBE-REGION-ENDPOINTS",
            6,
            "Do the eu-central-1 and me-east-1 ICE endpoints exist; where does ice.aliyuncs.com"
            " route?",
            (
                *(
                    Aspect(f"ice.{region}.aliyuncs.com", fixed="exists")
                    for region in UNCONFIRMED_REGIONS
                ),
                Aspect("ice.aliyuncs.com", fixed=f"{NOT_OBSERVABLE}: not emulated"),
            ),
        ),
        Probe(
            "PROBE-INTELLIGENT-EVENT",
            7,
            'What is the event name of "Intelligent task complete"?',
            (Aspect("event names outside the catalogue in the region's setting", fixed="none"),),
        ),
        Probe(
            "PROBE-MNS-BASE64",
            8,
            "Is the MNS message body Base64-encoded?",
            (Aspect("DLV-MNS-BODY", fixed="raw JSON"),),
        ),
        Probe(
            "PROBE-SIGNED-QUERY",
            9,
            "Is the callback URL's query string included in the signature?",
            (Aspect("DLV-HTTP-SIGN query string", fixed="included"),),
        ),
    )
}


def verdict(reply: Reply, kept: bool | None = None) -> str:
    """``rejected (<code>)`` for an error, else ``keep`` / ``clear`` per ``kept``."""
    if not reply.ok:
        return f"rejected ({reply.code})"
    return "keep" if kept else "clear"


def probe_empty_events(target: Target) -> dict[str, str]:
    """PROBE-EMPTY-EVENTS: does ``EventTypeList=""`` (or omitting it) clear the list?

    Raises :class:`contract.vocabulary.UnexpectedReplyError` when a precondition call fails.
    """
    values = {}
    ok(http(target, EventTypeList=EVENTS))
    reply = http(target, EventTypeList="")
    values["ICE-SET-EVENTS-CLEAR"] = verdict(reply, "EventTypeList" in stored(target))
    ok(http(target, EventTypeList=EVENTS))
    reply = http(target)
    values["EventTypeList omitted"] = verdict(reply, "EventTypeList" in stored(target))
    ok(http(target, EventTypeList=EVENTS))
    reply = target.set_callback(EventTypeList="")
    if not reply.ok:
        values["back to no callback"] = f"impossible ({reply.code})"
    else:
        kept = "CallbackType" in stored(target)
        values["back to no callback"] = "impossible (type kept)" if kept else "possible"
    return values


def probe_set_patch_or_put(target: Target) -> dict[str, str]:
    """PROBE-SET-PATCH-OR-PUT: are the fields a SetEventCallback omits kept or cleared?

    Raises :class:`contract.vocabulary.UnexpectedReplyError` when a precondition call fails.
    """
    values = {}
    key = target.new_auth_key()
    ok(http(target, EventTypeList=EVENTS, AuthSwitch="on", AuthKey=key))
    reply = http(target, EventTypeList=EVENTS)
    if reply.ok:
        kept = {"AuthSwitch", "AuthKey"} & set(stored(target))
        values["ICE-SET-PUT"] = "patch" if kept else "put"
    else:
        values["ICE-SET-PUT"] = f"{NOT_OBSERVABLE}: Set without auth fields: {reply.outcome}"
    ok(http(target, EventTypeList=EVENTS))
    reply = target.set_callback(EventTypeList="ProduceMediaComplete")
    if not reply.ok:
        values["only EventTypeList sent"] = f"rejected ({reply.code})"
    else:
        url_kept = stored(target).get("CallbackURL") == URL
        values["only EventTypeList sent"] = (
            f"accepted, CallbackURL {'kept' if url_kept else 'cleared'}"
        )
    return values
