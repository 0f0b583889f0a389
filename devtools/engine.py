"""The offline engine profile: how every Makefile target, test and benchmark runs the Pulumi CLI.

File backend in a folder the caller chooses, passphrase secrets, no update check, no plugin
downloads, an isolated ``PULUMI_HOME``, and the CLI built by ``scripts/install-pulumi.sh``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-pulumi.sh"
FAKES_BIN = REPO_ROOT / "tests" / "fakes" / "bin"


def pulumi_bin_dir() -> Path:
    """Return the directory holding ``pulumi`` and its Python helpers, installing it if needed."""
    out = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], check=True, stdout=subprocess.PIPE, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class EngineProfile:
    """Environment for one isolated, offline use of the Pulumi CLI."""

    bin_dir: Path
    state_dir: Path
    passphrase: str = "ims-callbacks-local"  # noqa: S105 - local, documented test passphrase
    extra_path: tuple[Path, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        """The isolated ``PULUMI_HOME`` (plugin cache, workspace settings)."""
        return self.state_dir / "pulumi-home"

    @property
    def backend_url(self) -> str:
        """The DIY file backend URL."""
        return f"file://{self.state_dir / 'backend'}"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Return a full process environment for running ``pulumi``."""
        env = dict(os.environ if base is None else base)
        (self.state_dir / "backend").mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        path_parts = [str(p) for p in (*self.extra_path, self.bin_dir)]
        env.update(
            {
                "PULUMI_HOME": str(self.home),
                "PULUMI_BACKEND_URL": self.backend_url,
                "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_PYTHON_CMD": sys.executable,
                "PULUMI_RUNTIME_VIRTUALENV": str(Path(sys.prefix)),
                "PATH": os.pathsep.join([*path_parts, env.get("PATH", "")]),
                "CI": env.get("CI", "true"),
            }
        )
        env.pop("PULUMI_ACCESS_TOKEN", None)
        env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
        env.update(self.extra_env)
        return env


def main(argv: list[str] | None = None) -> int:
    """``python -m devtools.engine env --state DIR``: print shell exports of the profile."""
    parser = argparse.ArgumentParser(prog="python -m devtools.engine")
    sub = parser.add_subparsers(dest="command", required=True)
    env_cmd = sub.add_parser("env", help="print `export` lines for the offline engine profile")
    env_cmd.add_argument("--state", type=Path, required=True, help="folder for backend and home")
    env_cmd.add_argument("--with-fakes", action="store_true", help="put tests/fakes/bin on PATH")
    args = parser.parse_args(argv)
    profile = EngineProfile(
        bin_dir=pulumi_bin_dir(),
        state_dir=args.state.resolve(),
        extra_path=(FAKES_BIN,) if args.with_fakes else (),
    )
    full = profile.env()
    for key in sorted(full):
        if full[key] != os.environ.get(key):
            print(f"export {key}={shlex.quote(full[key])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
