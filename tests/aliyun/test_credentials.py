"""The credential chain: precedence, run-time reading, clear errors; no network anywhere."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from components.aliyun.credentials import (
    CREDENTIAL_SETTINGS,
    chain_config,
    describe_source,
    resolve_credentials,
)
from components.aliyun.errors import CredentialError, fix_hint

SECRET = "s3cr3t-value-never-shown"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty HOME so the developer's own ~/.aliyun files are never read."""
    return tmp_path


def env(home: Path, **values: str) -> dict[str, str]:
    return {"HOME": str(home), **values}


def key_id(config: dict[str, str] | None, environ: dict[str, str]) -> str:
    """The AccessKey ID the chosen source yields (static sources only: no network)."""
    return str(resolve_credentials(config, environ).get_credential().access_key_id)


def write_cli_config(home: Path, current: str, *profiles: tuple[str, str]) -> Path:
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "current": current,
        "profiles": [
            {"name": name, "mode": "AK", "access_key_id": ak, "access_key_secret": SECRET}
            for name, ak in profiles
        ],
    }
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def write_ini(home: Path, *sections: tuple[str, str]) -> Path:
    path = home / ".alibabacloud" / "credentials.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(
            f"[{name}]\ntype = access_key\naccess_key_id = {ak}\naccess_key_secret = {SECRET}\n"
            for name, ak in sections
        ),
        encoding="utf-8",
    )
    return path


def test_stack_config_beats_every_env_source(home: Path) -> None:
    config = {"alicloud:accessKey": "LTAIconfig0001", "alicloud:secretKey": SECRET}
    environ = env(
        home,
        ALICLOUD_ACCESS_KEY="LTAIalicloud001",
        ALICLOUD_SECRET_KEY=SECRET,
        ALIBABA_CLOUD_ACCESS_KEY_ID="LTAIalibaba0001",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET,
    )
    assert key_id(config, environ) == "LTAIconfig0001"
    assert describe_source(config, environ).startswith("stack config ims:accessKey")


def test_alicloud_env_beats_alibaba_cloud_env(home: Path) -> None:
    environ = env(
        home,
        ALICLOUD_ACCESS_KEY="LTAIalicloud001",
        ALICLOUD_SECRET_KEY=SECRET,
        ALIBABA_CLOUD_ACCESS_KEY_ID="LTAIalibaba0001",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET,
    )
    assert key_id(None, environ) == "LTAIalicloud001"
    del environ["ALICLOUD_ACCESS_KEY"], environ["ALICLOUD_SECRET_KEY"]
    assert key_id(None, environ) == "LTAIalibaba0001"


def test_security_token_makes_sts_credentials(home: Path) -> None:
    config = {
        "alicloud:accessKey": "STS.abcdefgh",
        "alicloud:secretKey": SECRET,
        "alicloud:securityToken": "token-value",
    }
    credential = resolve_credentials(config, env(home)).get_credential()
    assert credential.security_token == "token-value"
    assert "STS token" in describe_source(config, env(home))


def test_env_is_read_at_call_time(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """alibabacloud_credentials reads env at import; our chain must see later changes."""
    for name in list(os.environ):
        if name.startswith(("ALICLOUD_", "ALIBABA_CLOUD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(CredentialError):
        resolve_credentials()
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIlateset0001")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    assert resolve_credentials().get_credential().access_key_id == "LTAIlateset0001"


def test_static_keys_beat_profiles(home: Path) -> None:
    write_cli_config(home, "default", ("default", "LTAIprofile0001"))
    environ = env(home, ALICLOUD_ACCESS_KEY="LTAIalicloud001", ALICLOUD_SECRET_KEY=SECRET)
    assert key_id({"alicloud:profile": "default"}, environ) == "LTAIalicloud001"


def test_named_profile_from_config_env_and_files(home: Path) -> None:
    write_cli_config(home, "main", ("main", "LTAIclimain0001"), ("ops", "LTAIcliops00001"))
    write_ini(home, ("default", "LTAIinidefault1"), ("legacy", "LTAIinilegacy01"))
    environ = env(home, ALIBABA_CLOUD_PROFILE="legacy")
    assert key_id(None, environ) == "LTAIinilegacy01"
    assert key_id({"alicloud:profile": "ops"}, environ) == "LTAIcliops00001"
    assert "'ops'" in describe_source({"alicloud:profile": "ops"}, environ)
    assert key_id(None, env(home)) == "LTAIclimain0001"  # the CLI file's `current`


def test_ini_default_section_when_no_cli_file(home: Path) -> None:
    write_ini(home, ("default", "LTAIinidefault1"))
    assert key_id(None, env(home)) == "LTAIinidefault1"


def test_missing_named_profile_is_an_error(home: Path) -> None:
    write_cli_config(home, "main", ("main", "LTAIclimain0001"))
    with pytest.raises(CredentialError, match=r"profile 'nope' \(from env ALIBABA_CLOUD_PROFILE\)"):
        resolve_credentials(None, env(home, ALIBABA_CLOUD_PROFILE="nope"))


def test_oidc_selected_without_calling_sts(home: Path) -> None:
    token = home / "token"
    token.write_text("jwt", encoding="utf-8")
    environ = env(
        home,
        ALIBABA_CLOUD_ROLE_ARN="acs:ram::123:role/deployer",
        ALIBABA_CLOUD_OIDC_PROVIDER_ARN="acs:ram::123:oidc-provider/ack",
        ALIBABA_CLOUD_OIDC_TOKEN_FILE=str(token),
    )
    write_ini(home, ("default", "LTAIinidefault1"))
    assert describe_source(None, environ).startswith("OIDC role acs:ram::123:role/deployer")
    resolve_credentials(None, environ)  # builds the provider; STS is only called on first use
    write_cli_config(home, "x", ("ops", "LTAIcliops00001"))
    assert key_id({"alicloud:profile": "ops"}, environ) == "LTAIcliops00001"


def test_credentials_uri_and_ecs_role_selected(home: Path) -> None:
    uri = env(home, ALIBABA_CLOUD_CREDENTIALS_URI="http://127.0.0.1:9/creds?token=abc")
    assert describe_source(None, uri) == "credentials URI (env ALIBABA_CLOUD_CREDENTIALS_URI)"
    resolve_credentials(None, uri)
    ecs = env(home, ALIBABA_CLOUD_ECS_METADATA="EcsDeployRole")
    assert describe_source(None, ecs) == "ECS RAM role 'EcsDeployRole' (instance metadata)"
    resolve_credentials(None, ecs)
    assert "'FromConfig'" in describe_source({"alicloud:ecsRoleName": "FromConfig"}, ecs)


@pytest.mark.parametrize(
    ("config", "environ", "message"),
    [
        (
            {"alicloud:accessKey": "LTAIconfig0001"},
            {},
            "ims:accessKey is set but ims:secretKey is missing",
        ),
        ({}, {"ALICLOUD_SECRET_KEY": SECRET}, "ALICLOUD_SECRET_KEY is set but ALICLOUD_ACCESS_KEY"),
    ],
)
def test_incomplete_static_source(
    home: Path, config: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(CredentialError, match=message) as info:
        resolve_credentials(config, env(home, **environ))
    assert SECRET not in str(info.value)


def test_nothing_found_names_the_options(home: Path) -> None:
    with pytest.raises(CredentialError) as info:
        resolve_credentials({}, env(home))
    text = str(info.value)
    for option in (
        "pulumi config set --secret ims:accessKey <key id>",
        "pulumi config set --secret ims:secretKey <secret>",
        "pulumi config set ims:profile <name>",
        "pulumi config set ims:ecsRoleName <role>",
        "ALICLOUD_ACCESS_KEY",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        "ALIBABA_CLOUD_CREDENTIALS_URI",
        "ECS RAM role",
    ):
        assert option in text
    assert "alicloud:" not in text, "the ims provider reads ims:*, never alicloud:*"


@pytest.mark.parametrize(
    ("config", "environ", "says"),
    [
        (
            {"alicloud:accessKey": "LTAIconfig0001"},
            {},
            (
                "stack config ims:accessKey: ims:accessKey is set but ims:secretKey is missing",
                "set it with `pulumi config set --secret ims:secretKey <secret>`",
            ),
        ),
        (
            {"alicloud:secretKey": SECRET},
            {},
            ("set it with `pulumi config set --secret ims:accessKey <key id>`",),
        ),
        (
            {},
            {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv0000001"},
            (
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET is missing",
                "`export ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            ),
        ),
        (
            {"alicloud:profile": "nope"},
            {},
            ("profile 'nope' (from stack config ims:profile)", "pulumi config set ims:profile"),
        ),
    ],
)
def test_every_credential_error_names_the_settings_and_the_command(
    home: Path, config: dict[str, str], environ: dict[str, str], says: tuple[str, ...]
) -> None:
    with pytest.raises(CredentialError) as info:
        resolve_credentials(config, env(home, **environ))
    text = str(info.value)
    for part in says:
        assert part in text
    assert "pulumi config set --secret ims:accessKey" in text  # the way to an AccessKey
    assert "alicloud:" not in text
    assert SECRET not in text


def test_descriptions_never_contain_secrets(home: Path) -> None:
    config = {"alicloud:accessKey": "LTAIconfig0001", "alicloud:secretKey": SECRET}
    text = describe_source(config, env(home))
    assert SECRET not in text
    assert "LTAIconfig0001" not in text  # the key id is masked too
    assert "LTAI****001" in text


def test_chain_config_maps_the_provider_settings_and_drops_empty_ones() -> None:
    settings = {"accessKey": "AK", "secretKey": "", "emulator": "http://127.0.0.1:1"}
    assert chain_config(settings) == {"alicloud:accessKey": "AK"}
    assert {f"alicloud:{name}" for name in CREDENTIAL_SETTINGS} == set(
        chain_config(dict.fromkeys(CREDENTIAL_SETTINGS, "x"))
    )


def test_a_rejected_access_key_names_the_settings_and_the_refresh_step() -> None:
    hint = fix_hint("GetEventCallback", "InvalidAccessKeyId.NotFound", 404, 1)
    assert "pulumi config set --secret ims:accessKey <key id>" in hint
    assert "pulumi config set --secret ims:secretKey <secret>" in hint
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in hint
    assert "pulumi up --refresh=false" in hint
