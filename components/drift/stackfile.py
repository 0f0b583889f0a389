"""Reading ``Pulumi.yaml`` and stack files: no Pulumi CLI, engine or state.

Follows the CLI's rules: YAML is read as yaml.v3 reads it (:mod:`components.drift.yamlv3`:
YAML 1.2 scalars; duplicate keys and excessive aliasing are errors); stack files are
``<stackConfigDir>/Pulumi.<stack>.yaml``; a config key without a namespace belongs to the
project; project-level ``config`` values (``default``/``value``, or a bare value) apply unless
the stack file sets the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.drift.passphrase import (
    PASSPHRASE_ENV,
    Decrypter,
    PassphraseError,
    derive_key,
    has_secure,
    passphrase_from_env,
    salt_of,
)
from components.drift.yamlv3 import YamlError, load

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_STACK_FILE = re.compile(r"Pulumi\.([A-Za-z0-9_.-]+)\.yaml")


def short_name(stack: str) -> str:
    """The stack name without an ``org/project/`` prefix, as in its file name."""
    return stack.rsplit("/", 1)[-1]


class StackFileError(Exception):
    """A project or stack file that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Project:
    """The Pulumi project: its name, directory and where its stack files live."""

    name: str
    root: Path
    stack_dir: Path
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Project-level config values, by full key."""

    def stack_path(self, stack: str) -> Path:
        """``<stack dir>/Pulumi.<stack>.yaml`` (not checked; see :func:`read_stack`)."""
        return self.stack_dir / f"Pulumi.{short_name(stack)}.yaml"

    def all_stacks(self) -> list[str]:
        """Every stack with a file in the stack directory, sorted."""
        if not self.stack_dir.is_dir():
            return []
        found = (_STACK_FILE.fullmatch(p.name) for p in self.stack_dir.iterdir())
        return sorted(m.group(1) for m in found if m)

    def display(self, path: Path) -> str:
        """``path`` relative to the project directory when it is inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class StackConfig:
    """One stack's configuration with full keys, decrypted where a passphrase allowed it."""

    name: str
    file: str
    config: Mapping[str, Any]
    plaintexts: tuple[str, ...]
    """Every value that was decrypted: secrets to redact from all output."""
    secret_keys: frozenset[str]
    """The keys the Pulumi CLI marks secret: those with a ``secure:`` value anywhere in them."""
    remedy: str
    """What would let this check use values that stay encrypted."""


def _read_yaml(path: Path, what: str) -> Any:
    """Parse ``path``; ``what`` names it in messages (e.g. ``stack file stacks/x.yaml``)."""
    try:
        return load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackFileError(f"{what} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StackFileError(f"cannot read {what}: {exc.__class__.__name__}") from None
    except YamlError as exc:
        where = f" at {exc.where}" if exc.where else ""
        raise StackFileError(f"{what} is not valid YAML{where}: {exc.problem}") from None


def _mapping(value: Any, where: str) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StackFileError(f"{where} must be a mapping")
    return value


def _full_key(project: str, key: object) -> str:
    text = str(key)
    return text if ":" in text else f"{project}:{text}"


def load_project(project_dir: Path, stacks_dir: Path | None = None) -> Project:
    """Read the project name and ``stackConfigDir``; ``stacks_dir`` overrides the latter."""
    path = next((project_dir / n for n in PROJECT_FILES if (project_dir / n).is_file()), None)
    if path is None:
        raise StackFileError(f"no Pulumi.yaml in {project_dir}; run from the project directory")
    data = _mapping(_read_yaml(path, f"project file {path}"), str(path))
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{path} has no project name")
    config_dir = data.get("stackConfigDir") or "."
    if not isinstance(config_dir, str):
        raise StackFileError(f"{path}: stackConfigDir must be a string")
    root = project_dir.resolve()
    stack_dir = stacks_dir if stacks_dir is not None else root / config_dir
    return Project(name, root, stack_dir, _project_defaults(name, data.get("config"), path))


def _project_defaults(project: str, config: Any, path: Path) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for key, spec in _mapping(config, f"{path}: config").items():
        if isinstance(spec, Mapping) and ("value" in spec or "default" in spec):
            defaults[_full_key(project, key)] = spec.get("value", spec.get("default"))
        elif not isinstance(spec, Mapping):
            defaults[_full_key(project, key)] = spec
    return defaults


def read_stack(project: Project, stack: str, environ: Mapping[str, str]) -> StackConfig:
    """Read and (with a passphrase) decrypt one stack's configuration."""
    name = short_name(stack)
    if not _STACK_NAME.fullmatch(name) or name.startswith("."):
        raise StackFileError(f"{stack!r} is not a valid stack name")
    path = project.stack_path(name)
    shown = project.display(path)
    data = _mapping(_read_yaml(path, f"stack file {shown}"), shown)
    raw = _mapping(data.get("config"), f"{shown}: config")
    config: dict[str, Any] = dict(project.defaults)
    config.update({_full_key(project.name, k): v for k, v in raw.items()})
    secret_keys = frozenset(key for key, value in config.items() if has_secure(value))
    salt = data.get("encryptionsalt")
    plaintexts: list[str] = []
    if isinstance(salt, str) and salt:
        hint = f"set {PASSPHRASE_ENV}"
        if has_secure(config):
            config = _decrypt(config, salt, environ, plaintexts, shown)
    else:
        hint = "only the passphrase secrets provider is supported; compare with pulumi preview"
    return StackConfig(
        name=name,
        file=shown,
        config=config,
        plaintexts=tuple(plaintexts),
        secret_keys=secret_keys,
        remedy=hint,
    )


def start_key_derivations(
    project: Project, stacks: Sequence[str], environ: Mapping[str, str]
) -> None:
    """Start deriving the keys of the stacks that have secrets, in the background.

    Only an early start: any problem (a file, its salt, the passphrase) is left for
    :func:`read_stack` to report.
    """
    try:
        phrase = passphrase_from_env(environ)
    except PassphraseError:
        return
    if phrase is None:
        return
    for stack in stacks:
        try:
            data = _read_yaml(project.stack_path(short_name(stack)), stack)
            salt = data.get("encryptionsalt") if isinstance(data, Mapping) else None
            if isinstance(salt, str) and has_secure(data.get("config")):
                derive_key(phrase, salt_of(salt)[0])
        except (StackFileError, PassphraseError):
            continue


def _decrypt(
    config: dict[str, Any], salt: str, environ: Mapping[str, str], plaintexts: list[str], shown: str
) -> dict[str, Any]:
    try:
        phrase = passphrase_from_env(environ)
        if phrase is None:
            return config
        decrypter = Decrypter(phrase, salt)
    except PassphraseError as exc:
        raise StackFileError(f"{shown}: {exc}") from None
    out: dict[str, Any] = {}
    for key, value in config.items():
        try:
            out[key] = decrypter.decrypt_tree(value, plaintexts)
        except PassphraseError as exc:
            raise StackFileError(f"{shown}: cannot decrypt {key}: {exc}") from None
    return out
