"""Shared fixtures: a hermetic environment (no ambient credentials or emulator override)."""

from tests.hermetic import hermetic_env

__all__ = ["hermetic_env"]
