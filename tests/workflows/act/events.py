"""Event payloads as GitHub sends them (the fields the workflows and actions read)."""

from __future__ import annotations

from typing import Any

from tests.workflows.act.harness import REPOSITORY


def _repository(full_name: str) -> dict[str, Any]:
    owner, name = full_name.split("/")
    return {"full_name": full_name, "name": name, "owner": {"login": owner}}


def pull_request(number: int, repository: str = REPOSITORY, head: str = "") -> dict[str, Any]:
    """``pull_request`` (opened); ``head`` is the head repository (a fork when it differs)."""
    return {
        "action": "opened",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {
                "ref": "change",
                "sha": "0" * 39 + "1",
                "repo": _repository(head or repository),
            },
            "base": {"ref": "main", "sha": "0" * 40, "repo": _repository(repository)},
        },
        "repository": _repository(repository),
    }


def push(repository: str = REPOSITORY) -> dict[str, Any]:
    """``push`` to main."""
    return {
        "ref": "refs/heads/main",
        "after": "0" * 39 + "2",
        "repository": _repository(repository),
    }


def schedule(repository: str = REPOSITORY) -> dict[str, Any]:
    """``schedule``."""
    return {"schedule": "17 6 * * *", "repository": _repository(repository)}
