"""``CleanErrorServicer``: a user error ends the RPC with its one line, a bug keeps its trace.

The servicer's RPCs are called directly with protobuf requests and a fake gRPC context whose
``abort`` records the status and message, and raises as grpc's does.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from importlib.metadata import version
from typing import Any

import grpc
import pytest
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.aliyun.errors import CloudError, CredentialError
from components.provider import server
from components.provider.errors import ResourceError, user_error
from components.provider.provider import ImsProvider
from components.provider.schema import VERSION
from components.provider.server import CLEAN_RPCS, CleanErrorServicer
from emulator.testing import REPO_ROOT
from tests.provider.conftest import CALLBACK_TYPE, CALLBACK_URN, run, urn


class AbortedError(Exception):
    """What ``context.abort`` raises (grpc raises its own ``AbortError``)."""


class FakeContext:
    """A gRPC servicer context that only records ``abort``."""

    def __init__(self) -> None:
        self.aborted: list[tuple[grpc.StatusCode, str]] = []

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.aborted.append((code, details))
        raise AbortedError(details)


class FailingProvider(ImsProvider):
    """Every resource RPC raises ``error``."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    async def _fail(self, _request: Any) -> Any:
        raise self.error

    check = diff = create = read = update = delete = configure = _fail  # type: ignore[assignment]


REQUESTS = {
    "Check": provider_pb2.CheckRequest(urn=CALLBACK_URN),
    "Diff": provider_pb2.DiffRequest(urn=CALLBACK_URN, id="cn-shanghai"),
    "Create": provider_pb2.CreateRequest(urn=CALLBACK_URN),
    "Read": provider_pb2.ReadRequest(urn=CALLBACK_URN, id="cn-shanghai"),
    "Update": provider_pb2.UpdateRequest(urn=CALLBACK_URN, id="cn-shanghai"),
    "Delete": provider_pb2.DeleteRequest(urn=CALLBACK_URN, id="cn-shanghai"),
    "Configure": provider_pb2.ConfigureRequest(),
}

SDK_CHECKED = "3.272.0"
"""The pulumi SDK whose internals ``components/provider/server.py`` was checked against."""

USER_ERRORS = {
    "refusal": ResourceError("cn-shanghai already has an IMS callback setting; use adopt"),
    "cloud": CloudError(
        operation="ice:SetEventCallback",
        region="cn-shanghai",
        code="Forbidden.RAM",
        message="You are not authorized to do this action.",
        http_status=403,
        request_id="5E1B",
    ),
    "credentials": CredentialError("no credentials found: set ims:accessKey and ims:secretKey"),
}


def servicer(provider: p.Provider) -> CleanErrorServicer:
    return CleanErrorServicer([], VERSION, provider, engine_address="127.0.0.1:1")


@pytest.mark.parametrize("rpc", REQUESTS)
@pytest.mark.parametrize("error", USER_ERRORS.values(), ids=USER_ERRORS)
def test_a_user_error_ends_the_rpc_with_its_one_line(rpc, error):
    context = FakeContext()
    with pytest.raises(AbortedError):
        run(getattr(servicer(FailingProvider(error)), rpc)(REQUESTS[rpc], context))
    assert context.aborted == [(grpc.StatusCode.UNKNOWN, str(error))]
    (_, message), *_ = context.aborted
    assert "\n" not in message
    assert "Traceback" not in message
    assert "File " not in message


@pytest.mark.parametrize("rpc", REQUESTS)
def test_a_bug_keeps_propagating_with_its_trace(rpc):
    context = FakeContext()
    bug = RuntimeError("boom: a bug in the provider")
    with pytest.raises(Exception, match="boom: a bug in the provider") as caught:
        run(getattr(servicer(FailingProvider(bug)), rpc)(REQUESTS[rpc], context))
    assert not isinstance(caught.value, AbortedError)
    assert context.aborted == []
    assert "File " in str(caught.value), "the SDK's trace is kept for a bug"
    assert caught.value.__context__ is bug


def test_the_sdk_internals_the_server_relies_on_are_those_of_the_checked_version():
    """An SDK upgrade fails here first. Re-check what server.py relies on, then move
    ``SDK_CHECKED``: the private ``_GRPC_CHANNEL_OPTIONS`` (the SDK's own server options), the
    ``ProviderServicer`` RPC names it wraps, and that the SDK re-raises a provider error as a
    new exception whose ``__context__`` is the original (where ``user_error`` finds it)."""
    pinned = re.search(
        r"^pulumi==(\S+)$", (REPO_ROOT / "provider" / "requirements.txt").read_text(), re.M
    )
    assert (version("pulumi"), pinned and pinned[1]) == (SDK_CHECKED, SDK_CHECKED), (
        f"pulumi SDK changed from {SDK_CHECKED}: re-check components/provider/server.py"
    )
    assert "grpc.max_receive_message_length" in dict(_GRPC_CHANNEL_OPTIONS)
    assert set(REQUESTS) == set(CLEAN_RPCS) - {"Construct"}  # Construct needs an engine
    for name in CLEAN_RPCS:
        assert hasattr(provider_pb2_grpc.ResourceProviderServicer, name), name
        assert inspect.iscoroutinefunction(vars(ProviderServicer)[name]), name
    error = ResourceError("refused")
    sdk = ProviderServicer([], VERSION, FailingProvider(error), engine_address="127.0.0.1:1")
    with pytest.raises(Exception, match="refused") as caught:
        run(sdk.Create(REQUESTS["Create"], FakeContext()))
    assert caught.value is not error
    assert caught.value.__context__ is error
    assert user_error(caught.value) is error


def test_the_real_provider_s_refusal_of_an_unknown_type_is_one_line():
    context = FakeContext()
    request = provider_pb2.CreateRequest(urn=urn("ims:index:Nope", "x"))
    with pytest.raises(AbortedError):
        run(servicer(ImsProvider()).Create(request, context))
    ((code, message),) = context.aborted
    assert code == grpc.StatusCode.UNKNOWN
    assert message.startswith("the ims provider has no resource 'ims:index:Nope'")
    assert CALLBACK_TYPE in message
    assert "\n" not in message


def test_a_successful_rpc_is_passed_through():
    context = FakeContext()
    request = provider_pb2.ConfigureRequest(acceptSecrets=True)
    response = run(servicer(ImsProvider()).Configure(request, context))
    assert response.supportsPreview is True
    assert response.acceptSecrets is True
    assert context.aborted == []


def test_configure_takes_the_settings_from_args_or_else_variables():
    provider = ImsProvider()
    args = {
        "emulator": PropertyValue("http://127.0.0.1:18100"),
        "accessKey": PropertyValue(""),  # blank: not set
        "secretKey": PropertyValue("s3cret", is_secret=True),
    }
    variables = {"ims:config:accessKey": "from-variables", "ims:config:region": "ignored"}
    run(provider.configure(p.ConfigureRequest(variables, args, True, True)))
    assert dict(provider.cloud.settings) == {
        "emulator": "http://127.0.0.1:18100",
        "accessKey": "from-variables",
        "secretKey": "s3cret",
    }
    assert provider.cloud.transport().emulator == "http://127.0.0.1:18100"


def test_check_config_keeps_the_access_key_secret_in_state():
    """The engine stores the checked provider config: the key id, secret and STS token are
    secret there even when set in plain text; other settings stay as they are."""
    provider = ImsProvider()
    news = {
        "accessKey": PropertyValue("LTAIplain000001"),
        "secretKey": PropertyValue("s3cret"),
        "securityToken": PropertyValue(""),  # blank: nothing to hide
        "profile": PropertyValue("ops"),
        "emulator": PropertyValue("http://127.0.0.1:18100"),
    }
    checked = run(provider.check_config(p.CheckRequest("urn", {}, news, b""))).inputs or {}
    assert {k for k, v in checked.items() if v.is_secret} == {"accessKey", "secretKey"}
    assert {k: v.value for k, v in checked.items()} == {k: v.value for k, v in news.items()}


CLOUD_SDKS = (
    "alibabacloud_ice20201109",
    "alibabacloud_mns_open20220119",
    "alibabacloud_credentials",
    "alibabacloud_tea_openapi",
    "Tea",
    "darabonba",
    "requests",
    "aiohttp",
)


def test_the_plugin_starts_without_the_cloud_sdks():
    """The engine starts the plugin twice per preview and the second one only checks and
    diffs: the SDKs (about 1 s of imports) load at the first read or change (N2)."""
    probe = (
        "import sys, components.provider.server as s; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({CLOUD_SDKS!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout.strip()
    assert loaded == "[]"


def test_main_prepares_the_sdk_runtime_before_serving(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(server, "prepare", lambda: calls.append("prepare"))
    monkeypatch.setattr(server.asyncio, "run", lambda serve: calls.append("serve") or serve.close())
    server.main(["127.0.0.1:1"])
    assert calls == ["prepare", "serve"]
