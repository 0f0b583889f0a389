"""The credential chain, evaluated at call time from the current environment (nothing cached
or stored in Pulumi state); its sources, in order: docs/sdk-clients.md, Credentials."""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from components.aliyun.errors import CredentialError

if TYPE_CHECKING:
    from alibabacloud_credentials.client import Client as CredentialClient

SESSION_NAME = "ims-callbacks"

CREDENTIAL_SETTINGS: tuple[str, ...] = (
    "accessKey",
    "secretKey",
    "securityToken",
    "profile",
    "sharedCredentialsFile",
    "ecsRoleName",
)
"""Every setting the chain reads, by name: ``alicloud:<name>`` in the chain's config, and the
same ``ims:<name>`` as the ``ims`` provider's own settings (what errors name)."""

SECRET_SETTINGS: frozenset[str] = frozenset({"accessKey", "secretKey", "securityToken"})
"""The settings kept secret wherever they are stored: provider config in state, the grant's
alicloud provider inputs (README, Secrets). The key id is one: it names the identity."""


def chain_config(settings: Mapping[str, str]) -> dict[str, str]:
    """Credential settings by name (the provider's ``ims:<name>``) as the chain's config
    (``alicloud:<name>``); unset and empty ones are left out."""
    return {
        f"alicloud:{name}": value for name in CREDENTIAL_SETTINGS if (value := settings.get(name))
    }


SET_ACCESS_KEY = (
    "`pulumi config set --secret ims:accessKey <key id>` and"
    " `pulumi config set --secret ims:secretKey <secret>`"
)
"""The commands that give the ``ims`` provider (and the grant's alicloud provider) an AccessKey."""

OPTIONS_HELP = (
    f"{SET_ACCESS_KEY} (add ims:securityToken for an STS token);"
    " or env ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET"
    " (or ALICLOUD_ACCESS_KEY + ALICLOUD_SECRET_KEY);"
    " or a profile: `pulumi config set ims:profile <name>` or env ALIBABA_CLOUD_PROFILE, read from"
    " ~/.aliyun/config.json (another file: `pulumi config set ims:sharedCredentialsFile <path>`)"
    " or ~/.alibabacloud/credentials.ini;"
    " or OIDC: env ALIBABA_CLOUD_ROLE_ARN + ALIBABA_CLOUD_OIDC_PROVIDER_ARN +"
    " ALIBABA_CLOUD_OIDC_TOKEN_FILE;"
    " or env ALIBABA_CLOUD_CREDENTIALS_URI;"
    " or an ECS RAM role: `pulumi config set ims:ecsRoleName <role>` or env"
    " ALIBABA_CLOUD_ECS_METADATA"
)
"""Every source of the chain, each with the command or variables that set it (README, Secrets)."""

_FIXES: dict[str, str] = {
    "alicloud:accessKey": "`pulumi config set --secret ims:accessKey <key id>`",
    "alicloud:secretKey": "`pulumi config set --secret ims:secretKey <secret>`",
}
"""How to set a missing half of a configured AccessKey."""


@dataclass(frozen=True)
class _Choice:
    """A source: its description, and the SDK provider class (by name) with its arguments."""

    description: str
    provider: str
    arguments: dict[str, object] = field(default_factory=dict, repr=False)


def _mask(access_key_id: str) -> str:
    return f"{access_key_id[:4]}****{access_key_id[-3:]}" if len(access_key_id) > 8 else "****"


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


_ACCESS_KEYS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("stack config", ("alicloud:accessKey", "alicloud:secretKey", "alicloud:securityToken")),
    ("env", ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN")),
    (
        "env",
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            "ALIBABA_CLOUD_SECURITY_TOKEN",
        ),
    ),
)
"""The AccessKey sources in the chain's order: where (config or env), then the names of the
key id, the secret and the optional STS token."""


def _static(where: str, values: Mapping[str, str], names: tuple[str, str, str]) -> _Choice | None:
    """The AccessKey (or STS token) named by ``names`` in ``values``, if any of it is set."""
    key_id, secret, token = (values.get(name) or None for name in names)
    if not key_id and not secret:
        return None
    where = f"{where} {_setting(names[0])}"
    if not key_id or not secret:
        present, missing = names[:2] if key_id else names[1::-1]
        fix = _FIXES.get(missing, f"`export {missing}=...`")
        raise CredentialError(
            f"{where}: {_setting(present)} is set but {_setting(missing)} is missing;"
            f" set it with {fix}, or unset {_setting(present)} to use another source"
            f" ({SET_ACCESS_KEY}, or the env variables; README, Secrets)"
        )
    kind = "STS token" if token else "AccessKey"
    description = f"{where} ({kind} {_mask(key_id)})"
    keys: dict[str, object] = {"access_key_id": key_id, "access_key_secret": secret}
    if token:
        return _Choice(
            description, "StaticSTSCredentialsProvider", keys | {"security_token": token}
        )
    return _Choice(description, "StaticAKCredentialsProvider", keys)


def _setting(name: str) -> str:
    """A chain config key as the user sets it (``alicloud:accessKey`` -> ``ims:accessKey``);
    environment variable names are returned as they are."""
    prefix, sep, short = name.partition(":")
    return f"ims:{short}" if sep and prefix == "alicloud" else name


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home())


def _cli_profiles(path: Path) -> tuple[set[str], str | None]:
    """Profile names and the ``current`` one in an aliyun CLI ``config.json`` (only names kept)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set(), None
    if not isinstance(data, dict):
        return set(), None
    names = {p["name"] for p in data.get("profiles", []) if isinstance(p, dict) and p.get("name")}
    current = data.get("current")
    return names, current if isinstance(current, str) and current else None


def _ini_sections(path: Path) -> set[str]:
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error):
        return set()
    return set(parser.sections())


def _find_profile(name: str | None, cli_file: Path, ini_file: Path, what: str) -> _Choice | None:
    """Profile ``name`` (None: the files' default) from the CLI file, else from the ini file."""
    cli_names, current = _cli_profiles(cli_file)
    cli_name = name or current
    if cli_name and cli_name in cli_names:
        return _Choice(
            f"{what} {cli_name!r} in {cli_file}",
            "CLIProfileCredentialsProvider",
            {"profile_name": cli_name, "profile_file": str(cli_file)},
        )
    ini_name = name or "default"
    if ini_name in _ini_sections(ini_file):
        return _Choice(
            f"{what} {ini_name!r} in {ini_file}",
            "ProfileCredentialsProvider",
            {"profile_name": ini_name, "profile_file": str(ini_file)},
        )
    return None


def _select(config: Mapping[str, str], env: Mapping[str, str]) -> _Choice:
    """The first source that is set, in the chain's order."""

    def cfg(key: str) -> str | None:
        assert key in CREDENTIAL_SETTINGS  # noqa: S101 - keep CREDENTIAL_SETTINGS complete
        return config.get(f"alicloud:{key}") or None

    def var(name: str) -> str | None:
        return env.get(name) or None

    sources = {"stack config": config, "env": env}
    for where, names in _ACCESS_KEYS:
        if static := _static(where, sources[where], names):
            return static

    home = _home(env)
    cli_file = Path(
        _first(cfg("sharedCredentialsFile"), var("ALICLOUD_SHARED_CREDENTIALS_FILE"))
        or home / ".aliyun" / "config.json"
    )
    ini_file = Path(
        var("ALIBABA_CLOUD_CREDENTIALS_FILE") or home / ".alibabacloud" / "credentials.ini"
    )
    for key, name in (
        ("stack config ims:profile", cfg("profile")),
        ("env ALICLOUD_PROFILE", var("ALICLOUD_PROFILE")),
        ("env ALIBABA_CLOUD_PROFILE", var("ALIBABA_CLOUD_PROFILE")),
    ):
        if name:
            named = _find_profile(name, cli_file, ini_file, f"profile (from {key})")
            if named is None:
                raise CredentialError(
                    f"profile {name!r} (from {key}) was not found in {cli_file} or {ini_file};"
                    " name an existing one (`pulumi config set ims:profile <name>`, or env"
                    " ALIBABA_CLOUD_PROFILE), point at its file (`pulumi config set"
                    f" ims:sharedCredentialsFile <path>`), or use an AccessKey: {SET_ACCESS_KEY}"
                )
            return named

    role_arn = var("ALIBABA_CLOUD_ROLE_ARN")
    provider_arn = var("ALIBABA_CLOUD_OIDC_PROVIDER_ARN")
    token_file = var("ALIBABA_CLOUD_OIDC_TOKEN_FILE")
    if role_arn and provider_arn and token_file:
        session = var("ALIBABA_CLOUD_ROLE_SESSION_NAME") or SESSION_NAME
        return _Choice(
            f"OIDC role {role_arn} (env ALIBABA_CLOUD_ROLE_ARN)",
            "OIDCRoleArnCredentialsProvider",
            {
                "role_arn": role_arn,
                "oidc_provider_arn": provider_arn,
                "oidc_token_file_path": token_file,
                "role_session_name": session,
            },
        )

    default_profile = _find_profile(None, cli_file, ini_file, "default profile")
    if default_profile:
        return default_profile

    uri = var("ALIBABA_CLOUD_CREDENTIALS_URI")
    if uri:
        return _Choice(
            "credentials URI (env ALIBABA_CLOUD_CREDENTIALS_URI)",
            "URLCredentialsProvider",
            {"uri": uri},
        )

    role = _first(
        cfg("ecsRoleName"), var("ALICLOUD_ECS_ROLE_NAME"), var("ALIBABA_CLOUD_ECS_METADATA")
    )
    if role:
        return _Choice(
            f"ECS RAM role {role!r} (instance metadata)",
            "EcsRamRoleCredentialsProvider",
            {"role_name": role, "async_update_enabled": False},
        )

    raise CredentialError(f"no Alibaba Cloud credentials found; set {OPTIONS_HELP}")


def resolve_credentials(
    config: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> CredentialClient:
    """A credentials client for the first configured source (docs/sdk-clients.md).

    ``config`` holds stack config with full keys (``alicloud:accessKey``...); ``environ``
    defaults to ``os.environ`` read now. Raises :class:`CredentialError` when nothing is
    configured or a source is incomplete. No network call is made here.
    """
    # The SDK is imported on first use: the ims provider plugin starts without it and needs
    # it only when a resource is read or changed.
    from alibabacloud_credentials import provider as providers  # noqa: PLC0415
    from alibabacloud_credentials.client import Client  # noqa: PLC0415

    choice = _select(config or {}, os.environ if environ is None else environ)
    return Client(provider=getattr(providers, choice.provider)(**choice.arguments))


def describe_source(
    config: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """Which source :func:`resolve_credentials` would use, for logs (no secrets)."""
    return _select(config or {}, os.environ if environ is None else environ).description
