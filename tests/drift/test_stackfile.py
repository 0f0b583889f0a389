"""Reading Pulumi.yaml and stack files; Pulumi's passphrase scheme against the real CLI."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from components.drift.passphrase import Decrypter, PassphraseError, is_secure, passphrase_from_env
from components.drift.stackfile import (
    StackFileError,
    load_project,
    read_stack,
    start_key_derivations,
)
from tests.drift.conftest import DATA, FIXTURE_AUTH_KEY, TEST_PASSPHRASE

BOMB = "config:\n  a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
    f"  {b}: &{b} [{','.join([f'*{a}'] * 10)}]\n" for a, b in itertools.pairwise("abcdefghi")
)
"""A billion laughs: 10^9 leaves from a few lines."""
SALT = yaml.safe_load((DATA / "Pulumi.secretcreds.yaml").read_text())["encryptionsalt"]


def test_project_name_stack_dir_and_defaults(project):
    loaded = load_project(project.root)
    assert loaded.name == "ims-callbacks"
    assert loaded.stack_dir == project.root.resolve() / "stacks"
    assert loaded.defaults == {"ims-callbacks:note": ""}


def test_stack_keys_without_namespace_belong_to_the_project(project):
    project.raw_stack("dev", "config:\n  note: http://127.0.0.1:1\n  aws:region: x\n")
    stack = read_stack(load_project(project.root), "dev", {})
    assert stack.config == {"ims-callbacks:note": "http://127.0.0.1:1", "aws:region": "x"}
    assert stack.file == "stacks/Pulumi.dev.yaml"


def test_qualified_stack_names_use_the_last_part(project):
    project.raw_stack("prod", "config: {}\n")
    assert read_stack(load_project(project.root), "acme/ims-callbacks/prod", {}).name == "prod"


def test_stacks_dir_override_and_all_stacks(project, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    for name in ("b", "a", "a.b"):
        (other / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    (other / "Pulumi.yaml").write_text("name: x\n")
    (other / "notes.yaml").write_text("")
    assert load_project(project.root, other).all_stacks() == ["a", "a.b", "b"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("missing", None, "stack file stacks/Pulumi.missing.yaml does not exist"),
        ("bad", "config:\n  a: [1,\n", "is not valid YAML at line 3, column 1"),
        ("dup", "config:\n  a: 1\n  a: 2\n", 'line 3: mapping key "a" already defined at line 2'),
        ("loop", "config:\n  a: &a [1, *a]\n", "at line 2: an anchor's value contains itself"),
        ("deep", "config:\n  a: " + "[" * 400 + "]" * 400, "is not valid YAML: nested too deeply"),
        ("bomb", BOMB, "is not valid YAML: document contains excessive aliasing; write the"),
        ("list", "- 1\n", "Pulumi.list.yaml must be a mapping"),
        ("cfg", "config: [1]\n", "Pulumi.cfg.yaml: config must be a mapping"),
        ("..", None, "'..' is not a valid stack name"),
        ("a b", None, "'a b' is not a valid stack name"),
    ],
)
def test_unusable_stack_files(project, name, text, message):
    if text is not None:
        project.raw_stack(name, text)
    with pytest.raises(StackFileError) as exc:
        read_stack(load_project(project.root), name, {})
    assert message in str(exc.value)


def test_project_file_is_read_like_the_cli(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: x\nname: y\n")
    with pytest.raises(StackFileError, match=r"Pulumi\.yaml is not valid YAML at line 2: mapping"):
        load_project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: on\nstackConfigDir: 1e3\n")
    with pytest.raises(StackFileError, match="stackConfigDir must be a string"):
        load_project(tmp_path)  # 1e3 is a number (1000) to yaml.v3, a string to YAML 1.1
    (tmp_path / "Pulumi.yaml").write_text("name: on\n")
    assert load_project(tmp_path).name == "on"  # not True


def test_missing_project_file(tmp_path):
    with pytest.raises(StackFileError, match=r"no Pulumi\.yaml"):
        load_project(tmp_path)


# ---------------------------------------------------------------------------- passphrase


def test_decrypts_values_written_by_the_cli():
    data = yaml.safe_load((DATA / "Pulumi.secretcreds.yaml").read_text())
    decrypter = Decrypter(TEST_PASSPHRASE, data["encryptionsalt"])
    plaintexts: list[str] = []
    config = decrypter.decrypt_tree(data["config"], plaintexts)
    assert config["alicloud:secretKey"] == "ims-emulator-local-secret"
    assert (
        config["ims-callbacks:callbacks"]["regions"]["cn-beijing"]["auth"]["key"]
        == FIXTURE_AUTH_KEY
    )
    assert sorted(plaintexts) == sorted([FIXTURE_AUTH_KEY, "ims-emulator-local-secret"])


@pytest.mark.parametrize("phrase", ["wrong", "", f"{TEST_PASSPHRASE} "])
def test_wrong_passphrase(phrase):
    with pytest.raises(PassphraseError, match="incorrect passphrase"):
        Decrypter(phrase, SALT)


@pytest.mark.parametrize(
    "value", ["v2:AAAA:AAAA", "v1:AAAA", "v1:!!!:AAAA", "v1:AAAAAAAAAAAAAAAA:AAAA"]
)
def test_malformed_values(value):
    with pytest.raises(PassphraseError, match=r"malformed|does not decrypt"):
        Decrypter(TEST_PASSPHRASE, SALT).decrypt(value)


def test_malformed_salt():
    with pytest.raises(PassphraseError, match="malformed encryptionsalt"):
        Decrypter(TEST_PASSPHRASE, "v1:only")


def test_passphrase_sources(tmp_path):
    phrase_file = tmp_path / "p"
    phrase_file.write_text("  from-file \n")
    assert passphrase_from_env({}) is None
    assert passphrase_from_env({"PULUMI_CONFIG_PASSPHRASE_FILE": str(phrase_file)}) == "from-file"
    both = {"PULUMI_CONFIG_PASSPHRASE": "", "PULUMI_CONFIG_PASSPHRASE_FILE": str(phrase_file)}
    assert passphrase_from_env(both) == ""  # set, even empty, wins (as in the CLI)
    with pytest.raises(PassphraseError, match="cannot read PULUMI_CONFIG_PASSPHRASE_FILE"):
        passphrase_from_env({"PULUMI_CONFIG_PASSPHRASE_FILE": str(tmp_path / "nope")})


def test_is_secure():
    assert is_secure({"secure": "v1:a:b"})
    assert not is_secure({"secure": "v1:a:b", "x": 1})
    assert not is_secure({"secure": 1})
    assert not is_secure("v1:a:b")


def test_stack_without_passphrase_keeps_ciphertext(project):
    project.copy_fixture("secret", "prod")
    stack = read_stack(load_project(project.root), "prod", {})
    key = stack.config["ims-callbacks:callbacks"]["regions"]["cn-beijing"]["auth"]["key"]
    assert is_secure(key)
    assert stack.plaintexts == ()
    assert stack.remedy == "set PULUMI_CONFIG_PASSPHRASE"


def test_other_secrets_providers_are_not_guessed(project):
    project.raw_stack(
        "kms",
        "secretsprovider: awskms://alias/x\nencryptedkey: abc\nconfig:\n"
        "  alicloud:secretKey:\n    secure: AAAA\n",
    )
    stack = read_stack(load_project(project.root), "kms", {"PULUMI_CONFIG_PASSPHRASE": "x"})
    assert is_secure(stack.config["alicloud:secretKey"])
    assert "only the passphrase secrets provider is supported" in stack.remedy


def test_corrupt_ciphertext_names_the_key(project):
    text = (DATA / "Pulumi.secret.yaml").read_text().replace("secure: v1:ZEYM", "secure: v1:AEYM")
    project.raw_stack("prod", text)
    with pytest.raises(StackFileError, match="cannot decrypt ims-callbacks:callbacks"):
        read_stack(
            load_project(project.root), "prod", {"PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE}
        )


@pytest.mark.engine
def test_values_from_the_current_cli_decrypt(tmp_path: Path):
    """A fresh secret from the real `pulumi config set --secret` (file backend, offline)."""
    from devtools.engine import EngineProfile, pulumi_bin_dir

    profile = EngineProfile(
        bin_dir=pulumi_bin_dir(), state_dir=tmp_path / "state", passphrase="p w"
    )
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(
        "name: ims-callbacks\nruntime: python\nstackConfigDir: stacks\n"
    )
    env = profile.env()

    def pulumi(*args: str) -> None:
        subprocess.run(["pulumi", *args], cwd=root, env=env, check=True, capture_output=True)

    pulumi("stack", "init", "fresh", "--non-interactive")
    pulumi(
        "config",
        "set",
        "--stack",
        "fresh",
        "--secret",
        "--path",
        "ims-callbacks:a.b",
        "Fresh0Value",
    )
    stack = read_stack(load_project(root), "fresh", {"PULUMI_CONFIG_PASSPHRASE": "p w"})
    assert stack.config["ims-callbacks:a"] == {"b": "Fresh0Value"}
    assert stack.plaintexts == ("Fresh0Value",)


def test_key_derivation_started_early_is_the_one_read_stack_uses(project, monkeypatch):
    """The CLI starts each stack's key derivation before importing the SDK; reading the stack
    later waits for that derivation instead of deriving the key again."""
    project.copy_fixture("secretcreds", "early")
    calls: list[bytes] = []
    real = hashlib.pbkdf2_hmac

    def counting(name: str, password: bytes, *args: object, **kwargs: object) -> bytes:
        calls.append(password)
        return real(name, password, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    phrase = f"{TEST_PASSPHRASE}-{project.root.name}"  # not derived by earlier tests
    env = {"PULUMI_CONFIG_PASSPHRASE": phrase}
    loaded = load_project(project.root)
    start_key_derivations(loaded, ["early", "missing-stack"], env)  # a bad stack is skipped
    deadline = time.monotonic() + 10
    while not calls and time.monotonic() < deadline:  # it runs in a background thread
        time.sleep(0.01)
    assert calls == [phrase.encode()]
    with pytest.raises(StackFileError, match="incorrect passphrase"):
        read_stack(loaded, "early", env)  # the fixture's passphrase is TEST_PASSPHRASE
    assert calls == [phrase.encode()], "derived once, not again"


def test_no_passphrase_starts_no_derivation(project, monkeypatch):
    project.copy_fixture("secretcreds", "early")
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *a, **k: pytest.fail("derived"))
    start_key_derivations(load_project(project.root), ["early"], {})
