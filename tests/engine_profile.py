"""The one engine profile every real-CLI test uses (file backend in tmp, test double, emulator)."""

from __future__ import annotations

from pathlib import Path

from devtools.engine import FAKES_BIN, EngineProfile
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess


def engine_profile(
    pulumi_bin: Path, tmp_path: Path, emulator: EmulatorProcess, **extra_env: str
) -> EngineProfile:
    """Offline profile with emulator credentials; HOME and TMPDIR (glog files) in ``tmp_path``.

    The alicloud test double (``tests/fakes/bin``) logs its calls to
    ``tmp_path/fake-alicloud.jsonl``.
    """
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        "FAKE_ALICLOUD_LOG": str(tmp_path / "fake-alicloud.jsonl"),
        "IMS_CALLBACKS_EMULATOR": emulator.base_url,
        "TMPDIR": str(tmpdir),
        "HOME": str(tmp_path / "home"),
    }
    env.update(extra_env)
    return EngineProfile(
        bin_dir=pulumi_bin, state_dir=tmp_path / "pulumi", extra_path=(FAKES_BIN,), extra_env=env
    )
