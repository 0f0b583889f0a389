"""Run the repository's workflows with act, offline, against loopback stand-ins for the cloud.

One :class:`ActWorld` is what a workflow run sees instead of GitHub and Alibaba Cloud:

- a copy of the repository (committed, ``origin`` on github.com, so act names it
  ``acme/ims-callbacks``), whose stack files point each stack at its own emulator
  (``ims:emulator``: dev and prod are separate accounts);
- :class:`~tests.fakes.github_api.FakeGitHub` (REST API and the OIDC token endpoint) and
  :class:`~tests.fakes.sts.StsDouble` (AssumeRoleWithOIDC; it accepts only tokens the fake
  GitHub minted and hands out the one key the emulators accept), reached through the
  workflows' own settings: ``GITHUB_API_URL``, ``ACTIONS_ID_TOKEN_REQUEST_URL`` and the
  variable ``ALIYUN_STS_ENDPOINT``;
- the stand-ins of ``standins/`` for the remote actions (``--local-repository``);
- a file state backend (``vars.PULUMI_BACKEND_URL``) and the cached Pulumi CLI.

:meth:`ActWorld.run` runs one event and returns the exit code and the log; every run gets a
fresh artifact folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.engine import FAKES_BIN
from emulator.testing import EmulatorProcess
from tests.fakes.github_api import FakeGitHub
from tests.fakes.sts import RoleCredentials, StsCall, StsDouble, StsRefusal

REPOSITORY = "acme/ims-callbacks"
ROLE_ARN = "acs:ram::1234567890123456:role/ims-callbacks-ci"
OIDC_PROVIDER_ARN = "acs:ram::1234567890123456:oidc-provider/github-actions"
STS = RoleCredentials(
    "STS.NActWorkflowKey0001",
    "sts-secret-of-the-act-run-0123456789",
    "sts-security-token-of-the-act-run-abcdefghijklmnopqrstuvwxyz",
)
PASSPHRASE = "ims-callbacks-example"
GITHUB_TOKEN = "ghs_fakeTokenOfTheActRun0123456789abcdef"
OIDC_REQUEST_TOKEN = "oidc-request-bearer-of-the-act-run-0123456789"
STANDINS = Path(__file__).parent / "standins"
HOST_ONLY = (
    "PULUMI_",
    "IMS_CALLBACKS_",
    "ALIBABA_CLOUD_",
    "ALICLOUD_",
    "GITHUB_",
    "ACTIONS_",
    "RUNNER_",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYENV_VERSION",
    "PYTEST_",
    "FAKE_ALICLOUD_",
)
"""Host variables a runner would not have (this machine's engine, cloud and test settings)."""
_REMOTE = re.compile(r"uses:\s*([\w.-]+/[\w.-]+)(?:/[\w./-]+)?@([0-9a-f]{40})")
STANDIN_OF = {
    "actions/setup-python": "setup-python",
    "pulumi/actions": "pulumi-actions",
    "actions/upload-artifact": "upload-artifact",
    "actions/download-artifact": "download-artifact",
    "actions/github-script": "github-script",
}


def remote_actions(root: Path) -> dict[str, str]:
    """``owner/name`` -> pinned SHA of every remote action the workflows and actions use."""
    found: dict[str, str] = {}
    for path in sorted((root / ".github").rglob("*.yml")):
        for name, sha in _REMOTE.findall(path.read_text(encoding="utf-8")):
            found[name] = sha
    return found


def copy_tree(source: Path, dest: Path) -> None:
    """The files git would commit (tracked or not ignored) of ``source``, into ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        check=True,
        stdout=subprocess.PIPE,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        rel = raw.decode()
        src = source / rel
        if not src.is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


def git_repo(path: Path, origin: str) -> None:
    """Make ``path`` a one-commit repository on ``main`` with ``origin``."""

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("remote", "add", "origin", origin)
    git("add", "-A")
    git("-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-qm", "state")


def github_script_standin(cache: Path) -> Path:
    """``standins/github-script`` with its node_modules (npm, cached outside the repository)."""
    source = STANDINS / "github-script"
    lock = (source / "package-lock.json").read_bytes()
    modules = cache / "github-script" / str(abs(hash(lock)) % 10**12)
    if not (modules / "node_modules").is_dir():
        modules.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(source / name, modules / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=modules, check=True
        )
    return modules / "node_modules"


def seed_plugins(pulumi_home: Path, env: Mapping[str, str]) -> None:
    """The alicloud plugin's test double in the plugin cache, as the package's dependency."""
    archive = pulumi_home.parent / "alicloud.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(FAKES_BIN / "pulumi-resource-alicloud", arcname="pulumi-resource-alicloud")
    subprocess.run(
        ["pulumi", "plugin", "install", "resource", "alicloud", "v4.0.0", "-f", str(archive)],
        env=dict(env),
        check=True,
        capture_output=True,
    )


@dataclass
class ActRun:
    """One act invocation."""

    exit_code: int
    log: str
    artifacts: Path


@dataclass
class ActWorld:
    """Everything one workflow test's runs share (see the module docstring)."""

    root: Path
    act: Path
    pulumi_path: tuple[Path, ...]
    github: FakeGitHub
    sts: StsDouble
    emulators: Mapping[str, EmulatorProcess]
    node_modules: Path
    repository: str = REPOSITORY
    extra_vars: dict[str, str] = field(default_factory=dict)
    runs: int = 0

    @property
    def repo(self) -> Path:
        """The repository act runs."""
        return self.root / "repo"

    @property
    def backend(self) -> Path:
        """The file state backend."""
        return self._mkdir("backend")

    def standins(self) -> Path:
        """The stand-in folders, github-script with its node_modules linked in."""
        folder = self.root / "standins"
        if not folder.is_dir():
            shutil.copytree(STANDINS, folder, ignore=shutil.ignore_patterns("README.md"))
            (folder / "github-script" / "node_modules").symlink_to(self.node_modules)
        return folder

    def base_env(self) -> dict[str, str]:
        """The host environment act and its steps see (host mode passes it through)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(HOST_ONLY)}
        env.update(
            PULUMI_HOME=str(self.root / "pulumi-home"),
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            FAKE_ALICLOUD_LOG=str(self.root / "fake-alicloud.jsonl"),
            IMS_STANDIN_PULUMI_PATH=os.pathsep.join(str(p) for p in self.pulumi_path),
            TMPDIR=str(self._mkdir("tmp")),
        )
        return env

    def _mkdir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def pulumi(
        self, *args: str, cwd: Path | None = None, env_extra: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The CLI on the world's backend (set-up steps a team does once, by hand)."""
        env = self.base_env() | dict(env_extra or {})
        env["PATH"] = os.pathsep.join([*(str(p) for p in self.pulumi_path), env["PATH"]])
        env.update(PULUMI_BACKEND_URL=f"file://{self.backend}", PULUMI_CONFIG_PASSPHRASE=PASSPHRASE)
        return subprocess.run(
            ["pulumi", *args],
            cwd=cwd or self.repo,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )

    def run(
        self,
        event: str,
        workflow: str,
        payload: Mapping[str, Any],
        *,
        secrets: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None,
        repo: Path | None = None,
        local_repositories: Iterable[tuple[str, Path]] = (),
    ) -> ActRun:
        """``act <event> -W .github/workflows/<workflow>`` in host mode; never raises on exit."""
        self.runs += 1
        repo = repo or self.repo
        artifacts = self._mkdir(f"artifacts-{self.runs}")
        event_file = self.root / f"event-{self.runs}.json"
        event_file.write_text(json.dumps(payload), encoding="utf-8")
        standins = self.standins()
        command = [str(self.act), event, "-W", f".github/workflows/{workflow}"]
        command += ["-e", str(event_file), "-P", "ubuntu-latest=-self-hosted"]
        command += ["--action-cache-path", str(self._mkdir("act-cache"))]
        command += ["--action-offline-mode", "--no-cache-server", "--concurrent-jobs", "1"]
        for name, sha in (remote_actions(self.repo) | remote_actions(repo)).items():
            if name in STANDIN_OF:
                command += ["--local-repository", f"{name}@{sha}={standins / STANDIN_OF[name]}"]
        for name, folder in local_repositories:
            command += ["--local-repository", f"{name}={folder}"]
        all_vars = {
            "ALIYUN_ROLE_ARN": ROLE_ARN,
            "ALIYUN_OIDC_PROVIDER_ARN": OIDC_PROVIDER_ARN,
            "ALIYUN_STS_ENDPOINT": self.sts.url,
            "PULUMI_BACKEND_URL": f"file://{self.backend}",
            **self.extra_vars,
            **(variables or {}),
        }
        for name, value in all_vars.items():
            command += ["--var", f"{name}={value}"]
        all_secrets = {"GITHUB_TOKEN": GITHUB_TOKEN, "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}
        for name, value in {**all_secrets, **(secrets or {})}.items():
            command += ["-s", f"{name}={value}"]
        env = self.base_env()
        env.update(
            GITHUB_API_URL=self.github.url,
            ACTIONS_ID_TOKEN_REQUEST_URL=self.github.oidc_url,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN=OIDC_REQUEST_TOKEN,
            IMS_STANDIN_ARTIFACTS=str(artifacts),
        )
        for name in ("GITHUB_API_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"):
            command += ["--env", f"{name}={env[name]}"]
        command += ["--env", f"ACTIONS_ID_TOKEN_REQUEST_TOKEN={OIDC_REQUEST_TOKEN}"]
        proc = subprocess.run(
            command,
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        (self.root / f"act-{self.runs}.log").write_text(proc.stdout, encoding="utf-8")
        return ActRun(proc.returncode, proc.stdout, artifacts)


def sts_validator(github: FakeGitHub) -> Any:
    """Accept only OIDC tokens the fake GitHub minted for the STS audience."""

    def validate(call: StsCall) -> StsRefusal | None:
        claims = github.minted(call.params.get("OIDCToken", ""))
        if claims is None or claims.get("aud") != "sts.aliyuncs.com":
            return StsRefusal("AuthenticationFail.OIDCToken.Invalid", "token not issued here")
        return None

    return validate


def point_stacks_at(repo: Path, emulators: Mapping[str, EmulatorProcess]) -> None:
    """Add ``ims:emulator`` to each stack file (each stack is its own account)."""
    for stack, emulator in emulators.items():
        path = repo / "stacks" / f"Pulumi.{stack}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("config:\n", f"config:\n  ims:emulator: {emulator.base_url}\n", 1),
            encoding="utf-8",
        )
