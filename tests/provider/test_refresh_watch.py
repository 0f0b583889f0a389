"""The notice that a diff did not see the live settings: once per run, never after a read."""

from __future__ import annotations

import asyncio

from components.provider.provider import ImsProvider
from components.provider.refresh_watch import NOTICE, RefreshWatch

URN = "urn:pulumi:test::p::ims:index:EventCallback::hz"
OTHER = "urn:pulumi:test::p::ims:index:EventCallback::bj"


def test_a_diff_after_a_read_says_nothing():
    watch = RefreshWatch()
    watch.read(URN)
    watch.read(OTHER)
    assert watch.diffed(URN) is None
    assert watch.diffed(OTHER) is None


def test_a_diff_without_a_read_says_so_once_per_run():
    watch = RefreshWatch()
    assert watch.diffed(URN) == NOTICE
    assert watch.diffed(OTHER) is None
    assert watch.diffed(URN) is None


def test_the_notice_names_the_fix_in_one_line():
    assert "\n" not in NOTICE
    assert "options: refresh: always" in NOTICE
    assert "--refresh" in NOTICE


def test_the_provider_warns_through_the_engine_once(monkeypatch):
    told: list[str] = []

    async def warn(message: str) -> None:
        told.append(message)

    provider = ImsProvider(warn)

    class Request:
        type = "ims:index:EventCallback"
        urn = URN

    monkeypatch.setattr(
        "components.provider.provider._handler", lambda _type: type("H", (), {"diff": id})
    )
    asyncio.run(provider.diff(Request()))  # type: ignore[arg-type]
    asyncio.run(provider.diff(Request()))  # type: ignore[arg-type]
    assert told == [NOTICE]
