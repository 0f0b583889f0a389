"""Fixtures shared by the suites that run the real Pulumi CLI against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
from _pytest.mark.expression import Expression  # what `-m` itself evaluates

from devtools.engine import REPO_ROOT, pulumi_bin_dir
from emulator.testing import EmulatorProcess, start_emulator

# Property tests draw the same examples in every `make test`, so CI is reproducible; set
# IMS_FUZZ_EXPLORE=1 to draw new ones, and pin what they find with `@example`.
hypothesis.settings.register_profile("repeatable", derandomize=True)
hypothesis.settings.register_profile("explore", derandomize=False)
hypothesis.settings.load_profile("explore" if os.environ.get("IMS_FUZZ_EXPLORE") else "repeatable")


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The CLI built by scripts/install-pulumi.sh; its absence is an error, never a skip."""
    return pulumi_bin_dir()


def installed(script: str) -> Path:
    """What ``scripts/<script>`` prints on its last line: the tool it found or built (cached)."""
    out = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / script)], check=True, stdout=subprocess.PIPE, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def language_hosts() -> Path:
    """The YAML and Node.js language hosts; their absence is an error, never a skip."""
    return installed("install-language-hosts.sh")


@pytest.fixture(scope="session")
def act_bin() -> Path:
    """act, built from the Go module proxy and cached (scripts/install-act.sh)."""
    return installed("install-act.sh")


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """A fresh emulator with its own state file."""
    with start_emulator(tmp_path / "emulator.json") as emu:
        yield emu


def _selects_live(markexpr: str) -> bool:
    """Whether ``-m`` names ``live`` and selects live-marked tests (``-m live``)."""
    if not re.search(r"\blive\b", markexpr):
        return False
    return Expression.compile(markexpr).evaluate(lambda name, **_: name == "live")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the opt-in ``live`` tests unless ``-m`` asks for them.

    A normal run (``make test``, ``-m "not engine"``) then reports them as deselected, never
    as skipped, so a skip in its summary always means a check that did not run.
    """
    if _selects_live(config.getoption("markexpr", "") or ""):
        return
    live = [item for item in items if item.get_closest_marker("live") is not None]
    if live:
        config.hook.pytest_deselected(items=live)
        items[:] = [item for item in items if item.get_closest_marker("live") is None]
