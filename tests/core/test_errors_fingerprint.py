from __future__ import annotations

import pickle

import pytest

from components.core.errors import ConfigError, ConfigProblem
from components.core.fingerprint import fingerprint, redact, worth_redacting


def test_problem_str():
    problem = ConfigProblem("callbacks.regions.cn-beijing.url", "must be https")
    assert str(problem) == "ims-callbacks:callbacks.regions.cn-beijing.url: must be https"


@pytest.mark.parametrize(
    ("count", "header"),
    [
        (1, "1 problem in the stack configuration; nothing was changed:"),
        (2, "2 problems in the stack configuration; nothing was changed:"),
    ],
)
def test_config_error_str(count, header):
    problems = [ConfigProblem(f"p{i}", f"m{i}") for i in range(count)]
    err = ConfigError(problems)
    lines = str(err).splitlines()
    assert lines[0] == header
    assert lines[1:] == [f"  ims-callbacks:p{i}: m{i}" for i in range(count)]
    assert err.problems == tuple(problems)


def test_config_error_pickles():
    err = ConfigError([ConfigProblem("a", "b")])
    assert str(pickle.loads(pickle.dumps(err))) == str(err)  # noqa: S301


def test_fingerprint_shape_and_stability():
    value = fingerprint("TestKey001")
    assert value.startswith("sha256:")
    assert len(value) == len("sha256:") + 8
    assert value == fingerprint("TestKey001")
    assert value != fingerprint("TestKey002")
    assert "TestKey001" not in value


def test_fingerprint_of_empty():
    assert fingerprint("") == "(none)"


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("key=Abc123 again Abc123", ["Abc123"], "key=[redacted] again [redacted]"),
        ("nothing here", ["Abc123"], "nothing here"),
        ("a Abc123xyz b", ["Abc123", "Abc123xyz"], "a [redacted] b"),
        ("keep everything", ["", ""], "keep everything"),
        ("x", [], "x"),
    ],
)
def test_redact(text, secrets, expected):
    assert redact(text, secrets) == expected


def test_only_secrets_of_four_characters_or_more_are_worth_redacting():
    assert worth_redacting(["abc", "abcd", "", "abcdef"]) == ["abcd", "abcdef"]
