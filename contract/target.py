"""A contract target: one region of the emulator or of a real account, spoken to by the SDKs.

Every call is one RPC request made by the product's official SDK client (``call_api``), so a
test sees the HTTP status and JSON body exactly as the service answered, errors included.
Every call is journaled (operation, how it was signed, parameters with the AuthKey replaced
by its fingerprint, outcome) for the report and for checking the dry-run plan.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_ice20201109.client import Client as IceSdk
from alibabacloud_mns_open20220119.client import Client as MnsSdk
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
from darabonba.exceptions import ResponseException
from darabonba.runtime import ExtendsParameters, RuntimeOptions

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Product, Timeouts, Transport, sdk_config
from components.aliyun.errors import redact, to_cloud_error
from components.aliyun.retry import RetryPolicy, call_with_retry
from components.core.fingerprint import fingerprint
from emulator.control import EmulatorControl

Signing = Literal["signed", "signed-v2", "wrong-version", "wrong-secret", "unknown-key", "unsigned"]
"""How a request is signed: with the target's credentials (ACS3, the SDK default, or the
legacy RPC v2 signature), for a version the product does not have, with the right AccessKey
id and a wrong secret, with an AccessKey id that does not exist, or not at all."""

TEST_URL = "https://ims-contract.invalid/callback"
"""The callback URL of the tests: ``.invalid`` never resolves, so nothing is ever delivered."""
API_VERSIONS: Mapping[Product, str] = {"ice": "2020-11-09", "mns-open": "2022-01-19"}
WRONG_VERSION = "2000-01-01"
UNKNOWN_ACCESS_KEY_ID = "ImsContractNoSuchKeyId0"  # well-formed, never issued
WRONG_SECRET = "contract-wrong-secret"  # noqa: S105 - deliberately not a secret
CALLBACK_FIELDS = (
    "CallbackType",
    "CallbackQueueName",
    "CallbackURL",
    "EventTypeList",
    "AuthSwitch",
    "AuthKey",
)
NO_RETRY = RetryPolicy(max_attempts=1)
_JOURNAL_VALUE_MAX = 60
_QUEUE_PARAMS = ("QueueName", "CallbackQueueName")


class ForeignQueueError(Exception):
    """A call would touch a queue whose name this run did not generate."""


@dataclass(frozen=True)
class Reply:
    """One answer: HTTP status, JSON body (error bodies too) and response headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    @property
    def code(self) -> str:
        """The error code ("" for a success)."""
        return "" if self.ok else str(self.body.get("Code", ""))

    @property
    def outcome(self) -> str:
        """``200`` or ``400 InvalidParameter``."""
        return str(self.status) if self.ok else f"{self.status} {self.code}"

    def callback(self, *, mask: bool = True) -> dict[str, str]:
        """The callback fields present in a GetEventCallback body (``""`` kept).

        ``mask``: a non-empty AuthKey is replaced by its fingerprint, so the result can be
        compared and printed.
        """
        fields = {name: str(self.body[name]) for name in CALLBACK_FIELDS if name in self.body}
        if mask and fields.get("AuthKey"):
            fields["AuthKey"] = fingerprint(fields["AuthKey"])
        return fields


@dataclass(frozen=True)
class Call:
    """A journal entry: what was sent (AuthKey fingerprinted) and the outcome."""

    step: str
    operation: str
    region: str
    signing: Signing
    params: Mapping[str, str]
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the report."""
        return {
            "step": self.step,
            "operation": self.operation,
            "region": self.region,
            "signing": self.signing,
            "params": dict(self.params),
            "outcome": self.outcome,
        }


def _masked(name: str, value: str) -> str:
    if name == "AuthKey" and value:
        return fingerprint(value)
    if len(value) > _JOURNAL_VALUE_MAX and name not in _QUEUE_PARAMS:
        return f"{value[:24]}...({len(value.encode('utf-8'))} bytes)"
    return value


def mask_params(params: Mapping[str, str]) -> dict[str, str]:
    """Parameters safe to print: AuthKey fingerprinted, long values (not queue names) shortened."""
    return {name: _masked(name, value) for name, value in params.items()}


class Target:
    """One region of the emulator or of a real account, with a call journal.

    ``control`` is the emulator's admin client when the target is the emulator itself (tests
    of emulator-only rules need it). ``on_new_queue`` is told every generated queue name
    before it is used, so that a restore can delete it even after a crash. With
    ``own_queues_only`` (a real account) an MNS call naming a queue outside ``queue_prefix``,
    or a ListQueue not filtered by it, raises :class:`ForeignQueueError` before anything is sent.
    """

    def __init__(
        self,
        name: str,
        region: str,
        credential: CredentialClient,
        transport: Transport,
        *,
        queue_prefix: str,
        retry: RetryPolicy = NO_RETRY,
        redact_errors: bool = False,
        on_new_queue: Callable[[str], None] | None = None,
        control: EmulatorControl | None = None,
        own_queues_only: bool = False,
    ) -> None:
        self.name = name
        self.region = region
        self.queue_prefix = queue_prefix
        self.control = control
        self.transport = transport
        self.step = ""
        self.journal: list[Call] = []
        self.initial: Reply | None = None
        """GetEventCallback (AuthKey masked) before the run changed anything (live only)."""
        self.credential = credential
        self._retry = retry
        self._redact_errors = redact_errors
        self._on_new_queue = on_new_queue
        self._own_queues_only = own_queues_only
        self._secrets: set[str] = set()
        self._clients: dict[tuple[Product, str, Signing], OpenApiClient] = {}

    def _signing_credential(self, signing: Signing) -> CredentialClient:
        if signing == "unknown-key":
            return resolve_credentials(
                {"alicloud:accessKey": UNKNOWN_ACCESS_KEY_ID, "alicloud:secretKey": WRONG_SECRET},
                {},
            )
        if signing == "wrong-secret":
            model = self.credential.get_credential()
            return resolve_credentials(
                {
                    "alicloud:accessKey": model.access_key_id,
                    "alicloud:secretKey": WRONG_SECRET,
                    "alicloud:securityToken": model.security_token or "",
                },
                {},
            )
        return self.credential

    def _client(self, product: Product, region: str, signing: Signing) -> OpenApiClient:
        key = (product, region, signing)
        if key not in self._clients:
            config = sdk_config(
                product, region, self._signing_credential(signing), self.transport, Timeouts()
            )
            if signing == "signed-v2":
                config.signature_algorithm = "v2"
            self._clients[key] = IceSdk(config) if product == "ice" else MnsSdk(config)
        return self._clients[key]

    def _error_reply(self, exc: ResponseException) -> Reply:
        body = {k: v for k, v in (exc.data or {}).items() if k != "statusCode"}
        if self._redact_errors and isinstance(body.get("Message"), str):
            body["Message"] = redact(body["Message"], self._secrets)
        return Reply(int(exc.status_code or 0), body)

    def _check_own_queue(self, action: str, queue: str) -> None:
        """Raise unless the call is limited to this run's queues (an empty name touches none)."""
        if (queue and not queue.startswith(self.queue_prefix)) or (
            action == "ListQueue" and not queue
        ):
            raise ForeignQueueError(
                f"refusing {action}: not limited to this run's queues ({self.queue_prefix}*)"
            )

    def call(
        self,
        product: Product,
        action: str,
        params: Mapping[str, str] | None = None,
        *,
        signing: Signing = "signed",
        region: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Reply:
        """Send one RPC request; a service error is a :class:`Reply`, not an exception.

        Transport failures raise a redacted ``CloudError``. Throttling and 5xx answers are
        retried per the target's policy (none for the emulator).
        """
        region = region or self.region
        query = dict(params or {})
        if self._own_queues_only and product == "mns-open":
            self._check_own_queue(action, query.get("QueueName", ""))
        sdk = self._client(product, region, signing)
        request = Params(
            action=action,
            version=WRONG_VERSION if signing == "wrong-version" else API_VERSIONS[product],
            protocol="HTTPS",
            pathname="/",
            method="POST",
            auth_type="Anonymous" if signing == "unsigned" else "AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        extra = dict(headers or {})
        if self.transport.emulator is not None:
            # The emulator answers in two segments; on a kept-alive connection the client's
            # delayed ACK then adds ~40 ms per call. A fresh connection per call avoids it.
            extra.setdefault("Connection", "close")
        runtime = RuntimeOptions(
            extends_parameters=ExtendsParameters(headers=extra) if extra else None
        )

        def send() -> Reply:
            result = sdk.call_api(request, OpenApiRequest(query=query), runtime)
            return Reply(int(result["statusCode"]), result["body"] or {}, dict(result["headers"]))

        operation = f"{product}:{action}"
        entry = Call(self.step, operation, region, signing, mask_params(query), "")
        try:
            reply = call_with_retry(send, retry or self._retry)
        except ResponseException as exc:
            reply = self._error_reply(exc)
        except Exception as exc:
            error = to_cloud_error(
                exc, operation=operation, region=region, attempts=1, secrets=self._secrets
            )
            self.journal.append(replace(entry, outcome=error.code))
            raise error from None
        self.journal.append(replace(entry, outcome=reply.outcome))
        return reply

    def get_callback(self) -> Reply:
        """GetEventCallback in the target's region."""
        return self.call("ice", "GetEventCallback")

    def set_callback(self, **params: str) -> Reply:
        """SetEventCallback with exactly these wire parameters (``""`` is sent as given)."""
        self._secrets.update(v for k, v in params.items() if k == "AuthKey" and v)
        return self.call("ice", "SetEventCallback", params)

    def mns(self, action: str, **params: str) -> Reply:
        """One mns-open management call in the target's region."""
        return self.call("mns-open", action, params)

    def new_queue_name(self, suffix: str = "") -> str:
        """A queue name this run owns: the run's prefix, a random part, ``suffix``."""
        name = f"{self.queue_prefix}{secrets.token_hex(4)}{suffix}"
        if self._on_new_queue is not None:
            self._on_new_queue(name)
        return name

    def new_queue_group(self, count: int) -> list[str]:
        """``count`` (< 10) generated names sharing a stem: ``<stem>1``, ``<stem>2``..."""
        stem = f"{self.queue_prefix}{secrets.token_hex(4)}-"
        names = [f"{stem}{n}" for n in range(1, count + 1)]
        for name in names:
            if self._on_new_queue is not None:
                self._on_new_queue(name)
        return names

    def create_queue(self, **attributes: str) -> str:
        """CreateQueue of a new generated name with ``attributes``; the name, or AssertionError."""
        name = self.new_queue_name()
        reply = self.mns("CreateQueue", QueueName=name, **attributes)
        if not reply.ok:
            raise AssertionError(f"CreateQueue of a generated queue failed: {reply.outcome}")
        return name

    def new_auth_key(self) -> str:
        """A fresh valid AuthKey (letters and digits, all three classes, 16 characters)."""
        key = f"Ct{secrets.token_hex(6)}9Z"
        self._secrets.add(key)
        return key
