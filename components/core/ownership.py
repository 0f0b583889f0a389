"""Which stack created an MNS callback queue: one reserved tag, set at CreateQueue.

A ``pulumi up`` killed while CreateQueue was in flight leaves a queue that no state records;
the rerun's CreateQueue then answers QueueAlreadyExist. The owner tag tells that queue (this
stack's own, safe to take back) from a queue somebody else made (never taken over silently).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace

from components.core.models import QueueSettings
from components.core.rules import MAX_TAG_VALUE, OWNER_TAG

__all__ = ["OWNER_TAG", "owned_by", "owner_value", "with_owner"]


def owner_value(project: str, stack: str) -> str:
    """``<project>/<stack>``; over 128 characters, shortened with a hash so it stays unique."""
    value = f"{project}/{stack}"
    if len(value) <= MAX_TAG_VALUE:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return f"{value[: MAX_TAG_VALUE - len(digest) - 1]}#{digest}"


def with_owner(queue: QueueSettings, owner: str) -> QueueSettings:
    """The queue as created: its tags plus the owner tag."""
    tags = dict(queue.tags) | {OWNER_TAG: owner}
    return replace(queue, tags=tuple(sorted(tags.items())))


def owned_by(tags: Mapping[str, str], owner: str) -> bool:
    """Whether a live queue with these tags was created by the stack ``owner`` names."""
    return tags.get(OWNER_TAG) == owner
