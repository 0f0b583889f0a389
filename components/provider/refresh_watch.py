"""Say once per run when a diff compares with the last stored state, not the live settings.

One plugin process serves a whole operation, and reads every resource before diffing only
when refresh is on: a ``diff`` of a resource this process has not read means refresh is off.
"""

from __future__ import annotations

NOTICE = (
    "ims: this run compares the program with the last stored state, not the live settings, so "
    "changes made in the console do not show; set `options: refresh: always` in Pulumi.yaml "
    "(or pass --refresh)"
)


class RefreshWatch:
    """Which resources this process has read, and whether the notice was given."""

    def __init__(self) -> None:
        """Nothing read, nothing said."""
        self._read: set[str] = set()
        self._told = False

    def read(self, urn: str) -> None:
        """``urn``'s live state was read in this run."""
        self._read.add(urn)

    def diffed(self, urn: str) -> str | None:
        """The notice, the first time a resource not read in this run is diffed; else None."""
        if urn in self._read or self._told:
            return None
        self._told = True
        return NOTICE
