"""Queue settings for tests: the field table's defaults, with what a test changes."""

from __future__ import annotations

from typing import Any

from components.core.models import QueueSettings
from components.core.schema_fields import QUEUE_ATTRIBUTE_FIELDS


def queue_settings(
    name: str, *, existing: bool = False, tags: tuple[tuple[str, str], ...] = (), **changes: Any
) -> QueueSettings:
    """A queue named ``name`` with every attribute at its default unless given in ``changes``."""
    defaults = {
        f.snake: f.bounds.default if f.bounds else f.default for f in QUEUE_ATTRIBUTE_FIELDS
    }
    return QueueSettings(name=name, existing=existing, tags=tags, **(defaults | changes))
