"""Small vocabulary shared by the contract tests (values valid on the emulator and the cloud)."""

from __future__ import annotations

from alibabacloud_ice20201109.client import Client as IceSdk
from alibabacloud_tea_openapi.exceptions import ClientException

from contract.target import TEST_URL as URL
from contract.target import Reply, Target

EVENTS = "FileUploadComplete,ProduceMediaComplete"


def expect(reply: Reply, status: int, code: str = "") -> None:
    """The reply is exactly ``status`` (and error ``code``)."""
    assert (reply.status, reply.code) == (status, code), f"got {reply.outcome}"


def ok(reply: Reply) -> Reply:
    """The reply is a success; returns it."""
    assert reply.ok, f"expected success, got {reply.outcome}: {reply.body.get('Message', '')}"
    return reply


def http(target: Target, **extra: str) -> Reply:
    """SetEventCallback of an HTTP callback to :data:`URL` plus ``extra``."""
    return target.set_callback(CallbackType="HTTP", CallbackURL=URL, **extra)


def stored(target: Target) -> dict[str, str]:
    """The region's non-empty callback fields (AuthKey as fingerprint)."""
    return {k: v for k, v in ok(target.get_callback()).callback().items() if v}


def sdk_status(client: IceSdk) -> tuple[int, str]:
    """(status, code) of a GetEventCallback through an SDK client built by hand."""
    try:
        client.get_event_callback()
    except ClientException as exc:
        return int(exc.status_code), str(exc.code)
    return 200, ""
