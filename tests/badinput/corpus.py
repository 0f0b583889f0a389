"""The bad-input corpus: hostile or malformed stack files under ``corpus/``, one case each.

Header comments of a corpus file:

``# tests: ...``            what the case is about
``# expect: PATH``          a config path (without ``ims-callbacks:``) that must be reported;
                            repeatable
``# expect-yaml-error: X``  the file never reaches the config loader: the YAML layer rejects
                            it (the Pulumi CLI with a message containing X)
``# secret: VALUE``         a value that must not appear in any output
``# repeat: TOKEN N TEXT``  replace TOKEN by TEXT repeated N times (huge inputs stay small
                            in git)
``# lines: TOKEN N TPL``    replace the line TOKEN by N lines ``TPL.format(i=0..N-1)``

Stack files are parsed as the drift check parses them, with
:func:`components.drift.yamlv3.load` (the Pulumi CLI's yaml.v3 rules: YAML 1.2 scalars;
a mapping key given twice and excessive aliasing are YAML errors that never reach the loader).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.drift.passphrase import has_secure
from components.drift.yamlv3 import load

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Case:
    """One corpus file, with its directives applied."""

    name: str
    file: Path
    tests: str
    expects: tuple[str, ...]
    yaml_error: str | None
    secrets: tuple[str, ...]
    text: str


def _expand(text: str, directives: list[tuple[str, str]]) -> str:
    """Apply the directives to the body (not to the header comments that define them)."""
    lines = text.splitlines(keepends=True)
    split = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    head, body = "".join(lines[:split]), "".join(lines[split:])
    for kind, spec in directives:
        token, count, pattern = spec.split(" ", 2)
        if kind == "repeat":
            body = body.replace(token, pattern * int(count))
        else:
            body = body.replace(token, "\n".join(pattern.format(i=i) for i in range(int(count))))
    return head + body


def load_case(path: Path) -> Case:
    raw = path.read_text(encoding="utf-8")
    headers = re.findall(r"^# ([a-z-]+): ?(.*)$", raw, flags=re.MULTILINE)
    values: dict[str, list[str]] = {}
    for key, value in headers:
        values.setdefault(key, []).append(value)
    directives = [(k, v) for k, v in headers if k in ("repeat", "lines")]
    yaml_errors = values.get("expect-yaml-error", [])
    return Case(
        name=path.stem,
        file=path,
        tests=values["tests"][0],
        expects=tuple(values.get("expect", [])),
        yaml_error=yaml_errors[0] if yaml_errors else None,
        secrets=tuple(values.get("secret", [])),
        text=_expand(raw, directives),
    )


def all_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CORPUS.glob("*.yaml"))]


def parse_stack_file(text: str) -> dict[str, Any]:
    """The ``config`` mapping of a stack file, read the way the Pulumi CLI reads it (see the
    module docstring); raises YamlError for what the CLI rejects as YAML."""
    data = load(text)
    config = (data or {}).get("config") or {}
    assert isinstance(config, dict)
    return config


def cli_config(text: str) -> tuple[dict[str, str], list[str]]:
    """What the Pulumi CLI hands the program for a stack file (``PULUMI_CONFIG`` and
    ``PULUMI_CONFIG_SECRET_KEYS``): every value a string (JSON text unless it is one), and
    the keys with a ``secure:`` value anywhere in them. Raises YamlError like the CLI."""
    config = parse_stack_file(text)
    values = {
        key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for key, value in config.items()
    }
    return values, [key for key, value in config.items() if has_secure(value)]
