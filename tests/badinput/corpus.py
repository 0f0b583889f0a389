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

How duplicate keys and aliases reach the loader: they don't. The Pulumi CLI reads stack
files with Go's yaml.v3, which rejects a mapping key given twice (``mapping key "x" already
defined at line N``) and documents with excessive aliasing (``yaml: document contains
excessive aliasing``) before the program runs; :func:`parse_stack_file` mirrors both on top
of PyYAML (which would silently keep the last duplicate and hand an alias bomb to the loader
as shared references). Everything else is PyYAML ``safe_load`` (YAML 1.1), as the drift check
reads stack files; the corpus only contains cases where YAML 1.1 and the CLI agree on the
reported path (the differences are tested in test_yaml_divergence.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

CORPUS = Path(__file__).parent / "corpus"
MAX_EXPANDED_NODES = 1_000_000
"""More nodes than this after expanding aliases is an alias bomb (yaml.v3 has a similar rule)."""


class StackFileYamlError(ValueError):
    """The stack file is rejected at the YAML level (as the Pulumi CLI rejects it)."""


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


def _check_duplicates(node: MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode):
            continue
        key = key_node.value
        if key in seen and key != "<<":
            raise StackFileYamlError(
                f'line {key_node.start_mark.line + 1}: mapping key "{key}" already defined '
                f"at line {seen[key]}"
            )
        seen[key] = key_node.start_mark.line + 1


def _walk(node: Node, counted: dict[int, int]) -> int:
    """Expanded size of ``node`` (aliases counted every time they are used), memoised."""
    if id(node) in counted:
        return counted[id(node)]
    counted[id(node)] = 1  # cycles count once
    size = 1
    if isinstance(node, MappingNode):
        _check_duplicates(node)
        children: Iterator[Node] = (n for pair in node.value for n in pair)
    elif isinstance(node, SequenceNode):
        children = iter(node.value)
    else:
        children = iter(())
    for child in children:
        size += _walk(child, counted)
        if size > MAX_EXPANDED_NODES:
            raise StackFileYamlError("yaml: document contains excessive aliasing")
    counted[id(node)] = size
    return size


def parse_stack_file(text: str) -> dict[str, Any]:
    """The ``config`` mapping of a stack file, read the way the Pulumi CLI reads it (see the
    module docstring); raises StackFileYamlError for what the CLI rejects as YAML."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        _walk(node, {})
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise StackFileYamlError(str(exc)) from None
    finally:
        loader.dispose()
    config = (data or {}).get("config") or {}
    assert isinstance(config, dict)
    return config
