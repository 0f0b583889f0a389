"""What every act scenario asserts besides its own outcome: no secret anywhere it could leak."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tests.workflows.act.harness import (
    GITHUB_TOKEN,
    OIDC_REQUEST_TOKEN,
    PASSPHRASE,
    STS,
    ActRun,
    ActWorld,
)

MASK_COMMAND = "⚙  ***"
"""act echoes an ``::add-mask::`` command as this line; a masked value anywhere else is a leak."""


def auth_keys(world: ActWorld) -> list[str]:
    """Every auth key the emulators hold (read from their state files, unredacted)."""
    keys = []
    for emulator in world.emulators.values():
        state = json.loads(emulator.state_file.read_text(encoding="utf-8"))
        for region in state.get("regions", {}).values():
            if key := region.get("callback", {}).get("AuthKey"):
                keys.append(key)
    return keys


def secrets(world: ActWorld, extra: Iterable[str] = ()) -> list[str]:
    """The values no log, artifact or API body may show."""
    values = [PASSPHRASE, GITHUB_TOKEN, OIDC_REQUEST_TOKEN, *STS.__dict__.values()]
    values += world.github.minted_tokens() + auth_keys(world) + list(extra)
    return [v for v in values if v]


def files_under(folder: Path) -> Iterable[Path]:
    """Every file below ``folder``."""
    return (p for p in folder.rglob("*") if p.is_file())


def assert_no_secrets(world: ActWorld, run: ActRun, extra: Iterable[str] = ()) -> None:
    """No secret in the log, the artifacts or any body sent to GitHub; nothing masked by act."""
    values = secrets(world, extra)
    places = {"act log": run.log}
    places |= {str(p): p.read_text(errors="replace") for p in files_under(run.artifacts)}
    places |= {f"{c.method} {c.path}": json.dumps(c.body) for c in world.github.calls}
    for where, text in places.items():
        for value in values:
            assert value not in text, f"a secret ({value[:3]}…) is in {where}"
    masked = [ln for ln in run.log.splitlines() if "***" in ln and MASK_COMMAND not in ln]
    assert not masked, f"act had to mask these lines: {masked[:3]}"
