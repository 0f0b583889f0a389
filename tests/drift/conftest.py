"""Fixtures for the drift check: one emulator per module, a scratch project, the CLI in-process."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.mns import MnsClient
from components.core.compare import QUEUE_ATTRIBUTES
from components.core.models import QueueConfig, QueueSettings
from components.drift.cli import main
from components.drift.passphrase import PASSPHRASE_ENV, derive_key
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess, start_emulator

DATA = Path(__file__).parent / "data"
SCHEMA_FILE = Path(__file__).parents[2] / "docs" / "drift-report.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
"""Validates JSON reports against docs/drift-report.schema.json."""
TEST_PASSPHRASE = "drift-test-passphrase"
"""Passphrase of the stack files in data/ (written by the real Pulumi CLI)."""
FIXTURE_AUTH_KEY = "DriftKey0123abcXYZ"
"""Plaintext of the auth key encrypted in data/Pulumi.secret*.yaml."""
SALT = base64.b64encode(b"ims-test").decode()
"""The salt of the stack files written by :meth:`ScratchProject.stack`."""
URL = "https://hooks.example.com/ims"
EVENTS = ["FileUploadComplete", "ProduceMediaComplete"]
CONFIRMED_REGIONS = (
    "ap-southeast-1",
    "cn-beijing",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-shenzhen",
    "us-west-1",
)


def http_region(
    url: str = URL, key: str | None = None, events: list[str] = EVENTS
) -> dict[str, Any]:
    """Stack config of an http region (auth on; ``key`` None: generated)."""
    region: dict[str, Any] = {"delivery": "http", "url": url, "events": events}
    if key is not None:
        region["auth"] = {"key": key}
    return region


def encrypt(plain: str) -> str:
    """``plain`` as the passphrase provider encrypts it (TEST_PASSPHRASE, SALT)."""
    key = derive_key(TEST_PASSPHRASE, SALT).result()
    nonce = hashlib.sha256(plain.encode()).digest()[:12]
    sealed = AESGCM(key).encrypt(nonce, plain.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


def mns_region(events: list[str] = EVENTS) -> dict[str, Any]:
    """Stack config of an mns region with the default queue name."""
    return {"delivery": "mns", "events": events}


def queue_name(stack: str, region: str) -> str:
    """The default queue name of ``region`` in a stack of project ims-callbacks."""
    return f"ice-callback-ims-callbacks-{stack}-{region}"


def live_http(url: str = URL, key: str = "", events: list[str] = EVENTS) -> dict[str, str]:
    """console_edit fields of a live http setting (auth on when ``key`` is given)."""
    fields = {"CallbackType": "HTTP", "CallbackURL": url, "EventTypeList": ",".join(events)}
    if key:
        fields |= {"AuthSwitch": "on", "AuthKey": key}
    return fields


def live_mns(queue: str, events: list[str] = EVENTS) -> dict[str, str]:
    """console_edit fields of a live mns setting."""
    return {"CallbackType": "MNS", "CallbackQueueName": queue, "EventTypeList": ",".join(events)}


def create_queue(emulator: EmulatorProcess, region: str, name: str, **attributes: Any) -> None:
    """Create queue ``name`` as a stack would (default attributes, ``attributes`` override)."""
    defaults = QueueConfig()
    queue = QueueSettings(
        name=name,
        existing=False,
        **{attr: getattr(defaults, attr) for attr in QUEUE_ATTRIBUTES.values()} | attributes,
        tags=(),
    )
    credential = resolve_credentials(
        {
            "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
            "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
        }
    )
    MnsClient(region, credential, Transport(emulator=emulator.base_url)).create_queue(queue)


def deploy_mns(
    emulator: EmulatorProcess, stack: str, region: str, events: list[str] = EVENTS
) -> None:
    """What ``pulumi up`` leaves for an mns region of ``stack``: its queue and its setting.

    The emulator's counters are zeroed after, so a test counts the check's calls only.
    """
    name = queue_name(stack, region)
    create_queue(emulator, region, name)
    emulator.control.console_edit(region, live_mns(name, events))
    emulator.control.reset_counters()


@dataclass(frozen=True)
class ScratchProject:
    """A project directory with Pulumi.yaml and a stacks/ folder."""

    root: Path

    def stack(self, name: str, regions: dict[str, Any] | None = None, **config: Any) -> Path:
        """Write stacks/Pulumi.<name>.yaml: ``regions`` under ims-callbacks:callbacks, with
        every auth key a secret (``secure:``, TEST_PASSPHRASE) as ``pulumi config set`` writes."""
        data = dict(config)
        if regions is not None:
            data["ims-callbacks:callbacks"] = {"regions": json.loads(json.dumps(regions))}
            for region in data["ims-callbacks:callbacks"]["regions"].values():
                auth = region.get("auth") if isinstance(region, dict) else None
                if isinstance(auth, dict) and isinstance(auth.get("key"), str):
                    auth["key"] = {"secure": encrypt(auth["key"])}
        path = self.root / "stacks" / f"Pulumi.{name}.yaml"
        salt = f"v1:{SALT}:{encrypt('pulumi')}"
        path.write_text(yaml.safe_dump({"encryptionsalt": salt, "config": data}, sort_keys=False))
        return path

    def raw_stack(self, name: str, text: str) -> Path:
        """Write a stack file verbatim."""
        path = self.root / "stacks" / f"Pulumi.{name}.yaml"
        path.write_text(text)
        return path

    def copy_fixture(self, fixture: str, name: str) -> Path:
        """Copy data/Pulumi.<fixture>.yaml as stack ``name``."""
        path = self.root / "stacks" / f"Pulumi.{name}.yaml"
        shutil.copyfile(DATA / f"Pulumi.{fixture}.yaml", path)
        return path


@pytest.fixture
def project(tmp_path: Path) -> ScratchProject:
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(
        "name: ims-callbacks\nruntime: python\nstackConfigDir: stacks\n"
        "config:\n  ims-callbacks:note:\n    type: string\n    default: ''\n"
    )
    return ScratchProject(root)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A hermetic environment with the emulator's access key and the test passphrase."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        "HOME": str(home),
        PASSPHRASE_ENV: TEST_PASSPHRASE,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    }


@pytest.fixture(scope="module")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with start_emulator(tmp_path_factory.mktemp("emulator") / "state.json") as emu:
        yield emu


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> EmulatorProcess:
    """The module's emulator with empty state, no faults and zero counters."""
    emulator_process.control.reset()
    return emulator_process


@dataclass(frozen=True)
class Run:
    """One CLI run: exit code and captured output."""

    code: int
    out: str
    err: str


@pytest.fixture
def drift(
    project: ScratchProject,
    env: dict[str, str],
    emulator: EmulatorProcess,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., Run]:
    """``drift(*args, env_override=None, extra_env=None)``: run the CLI in-process.

    The project and emulator are preset; the environment is ``env`` (or ``env_override``)
    plus ``extra_env``.
    """

    def run(
        *args: str,
        env_override: dict[str, str] | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> Run:
        argv = ["--project-dir", str(project.root), "--emulator", emulator.base_url, *args]
        code = main(argv, (env if env_override is None else env_override) | (extra_env or {}))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
