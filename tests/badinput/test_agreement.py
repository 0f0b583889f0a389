"""Preview and the drift check give the same verdict and the same words on every corpus case.

Program side: the stack file as the Pulumi CLI hands it to the program (every value a
string, the secret keys listed), through :func:`program_settings` as ``__main__`` calls it.
Drift side: the stack file in a project directory, through the drift check itself. The only
difference allowed is where the shared message is shown: a YAML error is the CLI's own, the
drift check's headline and problem lines are those of ``ConfigError``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from components.core.callback import CallbackSetting
from components.core.errors import ConfigError
from components.core.stack_config import program_settings
from components.drift.check import check
from components.drift.stackfile import load_project
from components.drift.yamlv3 import YamlError
from tests.badinput.corpus import Case, all_cases, cli_config

CASES = all_cases()
STACK = "bad"


def program_verdict(case: Case) -> tuple[str, ...]:
    """("yaml",) for what the CLI rejects; else the headline and problem lines, or ("ok",)."""
    try:
        config, secret_keys = cli_config(case.text)
    except YamlError:
        return ("yaml",)
    try:
        program_settings(config, secret_keys, {}, project="ims-callbacks", stack=STACK)
    except ConfigError as err:
        return (err.headline(), *err.shown_problems())
    return ("ok",)


def no_fetch(*_: object) -> CallbackSetting:
    raise AssertionError("a config problem must stop the check before any call")


def drift_verdict(case: Case, root: Path) -> tuple[str, ...]:
    """The same for the drift check's stack-file path."""
    (root / "Pulumi.yaml").write_text("name: ims-callbacks\nruntime: python\n", encoding="utf-8")
    (root / f"Pulumi.{STACK}.yaml").write_text(case.text, encoding="utf-8")
    report, _ = check(
        load_project(root),
        [STACK],
        environ={},
        checked_at="2026-01-01T00:00:00Z",
        emulator="http://127.0.0.1:9",
        fetch=no_fetch,
    )
    [stack] = report.stacks
    if stack.error and "is not valid YAML" in stack.error:
        return ("yaml",)
    if stack.error:
        return (stack.error, *stack.problems)
    return ("ok",)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_preview_and_drift_check_agree(case: Case, tmp_path: Path):
    program = program_verdict(case)
    assert program != ("ok",), case.name
    assert drift_verdict(case, tmp_path) == program
