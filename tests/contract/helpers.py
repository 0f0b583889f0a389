"""Small vocabulary shared by the contract tests (values valid on the emulator and the cloud).

The calls the probes share with ``python -m contract check-account`` are in
contract/vocabulary.py."""

from __future__ import annotations

from alibabacloud_ice20201109.client import Client as IceSdk
from alibabacloud_tea_openapi.exceptions import ClientException

from contract.target import Reply
from contract.vocabulary import EVENTS, URL, http, ok, stored

__all__ = ["EVENTS", "URL", "expect", "http", "ok", "sdk_status", "stored"]


def expect(reply: Reply, status: int, code: str = "") -> None:
    """The reply is exactly ``status`` (and error ``code``)."""
    assert (reply.status, reply.code) == (status, code), f"got {reply.outcome}"


def sdk_status(client: IceSdk) -> tuple[int, str]:
    """(status, code) of a GetEventCallback through an SDK client built by hand."""
    try:
        client.get_event_callback()
    except ClientException as exc:
        return int(exc.status_code), str(exc.code)
    return 200, ""
