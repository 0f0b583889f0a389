"""ConfigError: every problem in the stack configuration, reported at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

NAMESPACE = "ims-callbacks"


@dataclass(frozen=True)
class ConfigProblem:
    """One problem: its dotted config path (without namespace) and a message with the fix."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{NAMESPACE}:{self.path}: {self.message}"


class ConfigError(Exception):
    """Raised when the stack configuration is invalid; holds every problem found.

    Messages never contain secret values; callers may print ``str(err)`` as is.
    """

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in the stack configuration; nothing was changed:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)
