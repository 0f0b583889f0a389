"""Level (a): every corpus case through the program's loader (pure, no engine, no network).

Each case must end in a ConfigError that lists every expected config path, with a clear
one-line message per problem, no secret from the input, and no other exception type; or,
for the YAML-level cases, be rejected by the stack-file parser the way the Pulumi CLI
rejects it. Huge inputs run in a subprocess with a time limit (a hang is a failure).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

from components.core.errors import MAX_SHOWN_PROBLEMS, ConfigError
from components.core.stack_config import program_settings
from components.drift.yamlv3 import YamlError
from tests.badinput.corpus import Case, all_cases, cli_config

CASES = all_cases()
TIME_LIMIT = 8.0
"""Seconds for parsing and validating one huge case in its subprocess (a hang guard)."""
LOAD_LIMIT = 3.0
"""Seconds for load_settings alone on a huge case (a guard against quadratic work, which
took 6-50 s here before problems were de-duplicated with a set; linear work takes 0.25 s)."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # "config-error" | "yaml-error" | "ok" | "<other exception type>"
    text: str
    paths: tuple[str, ...]
    messages: tuple[str, ...]
    load_seconds: float = 0.0


def evaluate(case: Case) -> Outcome:
    """Parse like the CLI, then load the settings as the program does; never raises."""
    try:
        config, secret_keys = cli_config(case.text)
    except YamlError as exc:
        return Outcome("yaml-error", str(exc), (), ())
    started = time.monotonic()
    try:
        program_settings(config, secret_keys, {}, project="ims-callbacks", stack=case.name)
    except ConfigError as err:
        problems = err.problems
        return Outcome(
            "config-error",
            str(err),
            tuple(p.path for p in problems),
            tuple(p.message for p in problems),
            time.monotonic() - started,
        )
    except Exception as exc:  # any other type is the finding
        return Outcome(type(exc).__name__, str(exc), (), ())
    return Outcome("ok", "", (), (), time.monotonic() - started)


def evaluate_time_boxed(case: Case) -> Outcome:
    """:func:`evaluate` in a subprocess, killed after TIME_LIMIT seconds."""
    code = (
        "import json, sys, dataclasses\n"
        "from tests.badinput.corpus import CORPUS, load_case\n"
        "from tests.badinput.test_corpus import evaluate\n"
        "out = evaluate(load_case(CORPUS / (sys.argv[1] + '.yaml')))\n"
        "print(json.dumps(dataclasses.asdict(out)))\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, case.name],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.name}: no answer within {TIME_LIMIT} s")
    data = json.loads(proc.stdout)
    return Outcome(
        data["kind"],
        data["text"],
        tuple(data["paths"]),
        tuple(data["messages"]),
        data["load_seconds"],
    )


def test_corpus_is_big_and_every_case_expects_something():
    assert len(CASES) >= 40
    for case in CASES:
        assert case.expects or case.yaml_error, case.name
        assert case.tests, case.name


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_case_ends_in_a_clear_error_naming_the_config_path(case: Case):
    huge = case.name.startswith("huge_")
    outcome = evaluate_time_boxed(case) if huge else evaluate(case)
    if case.yaml_error:
        assert outcome.kind == "yaml-error", outcome
        assert case.yaml_error.split(" at line")[0] in outcome.text
        return
    assert outcome.kind == "config-error", outcome
    assert set(case.expects) <= set(outcome.paths), outcome.text[:3000]
    for path in outcome.paths:
        assert path.startswith(("callbacks", "emulator")) or path in case.expects
    shown = outcome.paths[:MAX_SHOWN_PROBLEMS]  # the message lists the first ones
    for expect in case.expects:
        namespace = "ims" if expect == "emulator" else "ims-callbacks"
        assert f"{namespace}:{expect}: " in outcome.text or expect not in shown
    hidden = len(outcome.paths) - len(shown)
    assert (f"... and {hidden} more problem" in outcome.text) == (hidden > 0)
    for path, message in zip(outcome.paths, outcome.messages, strict=True):
        assert message.strip()
        assert "\n" not in path + message  # one problem, one line: no forged lines
        assert "Traceback" not in message
    for secret in case.secrets:
        assert secret not in outcome.text
    if huge:
        assert outcome.load_seconds < LOAD_LIMIT
