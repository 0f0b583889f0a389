"""ConfigError: every problem in the stack configuration, found at once, shown up to a cap."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from components.core.paths import Loc, format_path

NAMESPACE = "ims-callbacks"

MAX_SHOWN_PROBLEMS = 100
"""Problems shown by ``str(ConfigError)`` / :meth:`ConfigError.shown_problems`; the rest are
summarised in one line (a hostile config can produce tens of thousands)."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem: its dotted config path (without namespace) and a message with the fix."""

    path: str
    message: str
    namespace: str = NAMESPACE

    def __str__(self) -> str:
        return f"{self.namespace}:{self.path}: {self.message}"


class ConfigError(Exception):
    """Raised when the stack configuration is invalid; holds every problem found.

    ``problems`` is the complete list, for programs. What people read (``str(err)``, and
    :meth:`shown_problems` for renderers with their own headline) shows the first
    :data:`MAX_SHOWN_PROBLEMS` and then one line saying how many more there are.

    Messages never contain secret values; callers may print ``str(err)`` as is.
    """

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        super().__init__(self.problems)

    def headline(self) -> str:
        """``N problem(s) in the stack configuration; nothing was changed:`` (N is the total)."""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        return f"{count} {noun} in the stack configuration; nothing was changed:"

    def shown_problems(self) -> tuple[str, ...]:
        """The problems as shown to people: at most :data:`MAX_SHOWN_PROBLEMS`, then, if there
        are more, ``... and N more problems (fix the ones above and rerun)``."""
        shown = tuple(str(problem) for problem in self.problems[:MAX_SHOWN_PROBLEMS])
        hidden = len(self.problems) - len(shown)
        if hidden <= 0:
            return shown
        noun = "problem" if hidden == 1 else "problems"
        return (*shown, f"... and {hidden} more {noun} (fix the ones above and rerun)")

    def __str__(self) -> str:
        return "\n".join([self.headline(), *(f"  {line}" for line in self.shown_problems())])


@dataclass
class ConfigReport:
    """Problems and warnings collected while loading, de-duplicated in order."""

    problems: dict[ConfigProblem, None] = field(default_factory=dict)  # an ordered set
    warnings: dict[ConfigProblem, None] = field(default_factory=dict)

    def problem(self, loc: Loc, message: str) -> None:
        """Record a problem at ``loc`` (a path in the ``ims-callbacks`` namespace)."""
        self.problems[ConfigProblem(format_path(loc), message)] = None

    def warn(self, loc: Loc, message: str) -> None:
        """Record a warning at ``loc``."""
        self.warnings[ConfigProblem(format_path(loc), message)] = None
