"""Read YAML the way the Pulumi CLI reads ``Pulumi.yaml`` and stack files (Go's yaml.v3).

PyYAML's ``safe_load`` implements YAML 1.1, where ``on``/``yes`` are booleans, ``1:30`` is
60-based and ``1e3`` is a string, and a key given twice silently keeps the last value. The
CLI uses yaml.v3: the YAML 1.2 core schema (plus Go's integer syntax), duplicate keys and
excessive aliasing are errors. :func:`load` follows yaml.v3 on top of PyYAML's parser:

- plain scalars: ``null``/``Null``/``NULL``/``~``/empty, ``true``/``True``/``TRUE`` and
  ``false``/``False``/``FALSE``, integers as Go writes them (``_`` ignored, ``0x``, ``0o``,
  ``0b``, and ``0777`` octal), floats ``[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?``
  and ``.inf``/``.nan``; everything else (``on``, ``yes``, ``1:30``, dates) is a string;
- a mapping key given twice is an error (``mapping key "x" already defined at line N``),
  an anchor that contains itself too;
- aliasing is limited by yaml.v3's rule: over 1000 decoded nodes, at most 99% of them may
  come from expanding aliases (10% for documents of millions of nodes). An alias bomb is
  rejected after walking its nodes once, never expanded.

Numbers are returned as the Pulumi program receives them, after the CLI's JSON round trip:
a whole float below 1e21 is an int (``1e3`` is ``1000``), integers beyond int64 are floats
written out in digits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_SPECIAL_FLOAT = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
_GO_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_BASES = {"x": 16, "o": 8, "b": 2}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9][0-9_]*([eE][-+]?[0-9][0-9_]*)?")
_INT64 = range(-(2**63), 2**63)
_UINT64 = range(2**64)

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"

ALIAS_ERROR = "document contains excessive aliasing"
"""yaml.v3's message for an alias bomb (the Pulumi CLI prints it)."""
_ALIAS_FIX = "; write the repeated values out instead of nesting aliases"


class YamlError(ValueError):
    """The text is not YAML the Pulumi CLI accepts: ``problem`` says why, ``where`` where."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.problem = problem
        self.where = "" if line is None else f"line {line}"
        if line is not None and column is not None:
            self.where += f", column {column}"
        super().__init__(f"{self.where}: {problem}" if self.where else problem)


def _go_int(text: str) -> int | None:
    """``text`` (without ``_``) as Go's ``strconv.ParseInt(text, 0, 64)`` reads it, unbounded."""
    if not _GO_INT.fullmatch(text):
        return None
    digits = text.lstrip("+-")
    if len(digits) > 2 and digits[1].lower() in _GO_BASES:
        number = int(digits[2:], _GO_BASES[digits[1].lower()])
    else:
        number = int(digits, 8 if digits.startswith("0") else 10)
    return -number if text.startswith("-") else number


def _json_number(value: float) -> int | float:
    """``value`` after Go's JSON encoding and Python's decoding: whole numbers below 1e21
    are written as digits (``1000``, ``18446744073709552000``) and decode as ints."""
    if value.is_integer() and abs(value) < 1e21:
        return int(Decimal(repr(value)))
    return value


def number(text: str) -> int | float | None:
    """The number a plain scalar is to yaml.v3, or None if it is not one."""
    if text in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[text]
    if text[:1] == ".":
        return _dot_float(text)
    if text[:1] in tuple("+-0123456789"):
        return _go_number(text.replace("_", ""))
    return None


def _dot_float(text: str) -> int | float | None:
    """``.5``, ``.5e3``: Go's ParseFloat, where ``_`` may stand between digits (as in Python)."""
    try:
        return _json_number(float(text)) if _DOT_FLOAT.fullmatch(text) else None
    except ValueError:
        return None


def _go_number(plain: str) -> int | float | None:
    """An int64, else a uint64 or a float (which the CLI passes on as floats), else None."""
    whole = _go_int(plain)
    if whole is not None and whole in _INT64:
        return whole
    value = None
    if whole is not None and whole in _UINT64 and plain[0] != "+":
        value = float(whole)
    elif _YAML_FLOAT.fullmatch(plain):
        value = float(plain)
    if value is None or value in (float("inf"), float("-inf")):  # 1e999: a string
        return None
    return _json_number(value)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with yaml.v3's resolution of plain scalars and anchors."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if not isinstance(event, yaml.AliasEvent) and event.anchor is not None:
            self.anchors.pop(event.anchor, None)  # redefining an anchor is allowed; it wins
        return super().compose_node(parent, index)

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0] and value is not None:
            if value in _NULL:
                return "tag:yaml.org,2002:null"
            if value in _BOOL:
                return "tag:yaml.org,2002:bool"
            if value == "<<":
                return "tag:yaml.org,2002:merge"
            found = number(value)
            if found is not None:
                return _INT if isinstance(found, int) else _FLOAT
            return "tag:yaml.org,2002:str"
        tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag

    def construct_number(self, node: Node) -> int | float:
        found = number(str(node.value)) if isinstance(node, ScalarNode) else None
        if found is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a number", node.start_mark
            )
        return found


_Loader.add_constructor(_INT, _Loader.construct_number)
_Loader.add_constructor(_FLOAT, _Loader.construct_number)


def _allowed_alias_ratio(decodes: int) -> float:
    """yaml.v3's ``allowedAliasRatio``: 99% up to 400,000 decodes, falling to 10% at 4M."""
    low, high = 400_000, 4_000_000
    if decodes <= low:
        return 0.99
    if decodes >= high:
        return 0.10
    return 0.99 - 0.89 * (decodes - low) / (high - low)


class _Walk:
    """One pass over the composed node graph in document order, counting decodes as
    yaml.v3 does: an alias decodes its anchor's whole (expanded) value again."""

    def __init__(self) -> None:
        self.decodes = 0
        self.aliased = 0
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()

    def count(self, decodes: int, *, aliased: bool) -> None:
        self.decodes += decodes
        if aliased:
            self.aliased += decodes
        if (
            self.aliased > 100
            and self.decodes > 1000
            and self.aliased / self.decodes > _allowed_alias_ratio(self.decodes)
        ):
            raise YamlError(ALIAS_ERROR + _ALIAS_FIX)

    def visit(self, node: Node) -> int:
        """Walk ``node`` the first time it occurs; return its expanded size."""
        self.open.add(id(node))
        self.count(1, aliased=False)
        size = 1
        children: list[Node] = []
        if isinstance(node, MappingNode):
            _check_duplicates(node)
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        for child in children:
            if id(child) in self.open:
                raise YamlError("an anchor's value contains itself", child.start_mark.line + 1)
            if id(child) in self.sizes:  # an alias to an earlier anchor
                self.count(1, aliased=False)
                self.count(self.sizes[id(child)], aliased=True)
                size += 1 + self.sizes[id(child)]
            else:
                size += self.visit(child)
        self.open.discard(id(node))
        self.sizes[id(node)] = size
        return size


def _check_duplicates(node: MappingNode) -> None:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, ScalarNode):
            continue
        line = key.start_mark.line + 1
        if key.value in seen:
            first = seen[key.value]
            raise YamlError(f'mapping key "{key.value}" already defined at line {first}', line)
        seen[key.value] = line


def load(text: str) -> Any:
    """Parse one YAML document as the Pulumi CLI does (see the module docstring).

    Raises :class:`YamlError` for anything the CLI rejects, including syntax errors.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _Walk().visit(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlError(exc.problem or "invalid YAML", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc)) from None
    except RecursionError:
        raise YamlError("nested too deeply") from None
    finally:
        loader.dispose()
