"""Secret hygiene through the real engine, checked by scanning every artefact.

One scenario with an STS token (a marker value in ALIBABA_CLOUD_SECURITY_TOKEN), a configured
auth key, a generated one and a console-edited one: preview with ``-v=3 --logflow`` (log
files), up with ``-v=9 --logtostderr --logflow``, drift, refresh; then the state files, every
output, ``stack output``, the drift report in every format, the CLI's logs (decompressed),
the emulator's log and the alicloud double's log must hold none of them. The fault and
interrupt runs in tests/reliability end with the same audit (``Scenario.audit``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.engine import pulumi_bin_dir
from emulator.testing import EmulatorProcess, start_emulator
from tests.engine_profile import engine_profile
from tests.reliability.harness import SET, STS_MARKER, Scenario, record_figures
from tests.security.scan import SecretAudit

pytestmark = pytest.mark.engine

REGIONS = ("cn-shanghai", "cn-beijing", "ap-southeast-1")
DRIFTED_KEY = "ConsoleDrift2026Key"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path / "emulator.json") as emu:
        yield emu


@pytest.fixture
def sts_scenario(tmp_path: Path, emulator: EmulatorProcess) -> Scenario:
    profile = engine_profile(
        pulumi_bin_dir(), tmp_path, emulator, ALIBABA_CLOUD_SECURITY_TOKEN=STS_MARKER
    )
    return Scenario.create(profile, emulator, tmp_path, name="sec")


def test_no_plaintext_secret_anywhere_after_a_full_cycle(sts_scenario: Scenario):
    scenario = sts_scenario
    scenario.configure(REGIONS)
    scenario.stack.run("preview", "--diff", "-v=3", "--logflow")
    scenario.stack.run(
        "up", "--yes", "--skip-preview", "--diff", "-v=9", "--logtostderr", "--logflow"
    )
    scenario.emulator.control.console_edit("cn-beijing", {"AuthKey": DRIFTED_KEY})
    drifted = scenario.stack.run("preview", "--diff", "-v=3", "--logflow")
    # the drifted key is shown as a change, never as a value
    assert "~ authKey: [secret] => [secret]" in drifted.stdout
    assert DRIFTED_KEY not in drifted.stdout + drifted.stderr
    scenario.stack.run("refresh", "--yes", "--skip-preview", "--diff")  # drifted key -> state

    audit = scenario.audit()
    audit.secret("console-edited key", DRIFTED_KEY)
    audit.secret("STS token", STS_MARKER)
    assert len(audit.secrets) == 5  # 2 auth keys, AccessKey secret, STS token, drifted key
    tmpdir = str(scenario.tmp_path / "tmp")
    logs = [s for s in audit.texts if "/logs/" in s or s.startswith(tmpdir) or "logtostderr" in s]
    assert logs, "the verbose runs must have produced logs to scan"
    scanned = audit.assert_clean()

    control = SecretAudit(dict(audit.secrets))  # positive control: it sees them when present
    control.add("stack export --show-secrets", json.dumps(scenario.export_with_secrets()))
    assert {f.secret for f in control.findings()} >= {
        "auth key cn-beijing",
        "auth key ap-southeast-1",
    }
    record_figures("secret audit, STS + -v=9", texts_scanned=scanned, secrets_found=0)


def test_failed_set_with_a_key_in_the_request_does_not_echo_it(sts_scenario: Scenario):
    """Forbidden.RAM on SetEventCallback whose request carried the AuthKey (through the engine)."""
    scenario = sts_scenario
    scenario.configure(("cn-beijing",))
    scenario.emulator.control.add_fault("forbidden", operation=SET, region="cn-beijing")
    failed = scenario.up(check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "SetEventCallback in cn-beijing failed: Forbidden.RAM" in output
    assert "hooks.example.com" not in output.split("Forbidden.RAM", 1)[1].split("\n", 1)[0]
    audit = scenario.audit({"failed up": output})
    audit.secret("STS token", STS_MARKER)
    audit.assert_clean()
