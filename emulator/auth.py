"""Request authentication like the OpenAPI gateway, using the SDK's own signing utilities.

Two schemes: ACS3 (``Authorization: ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,
Signature=...``, the SDK default) and the legacy RPC signature (HMAC-SHA1 ``Signature`` query
parameter, ``Config(signature_algorithm='v2')``). Rule ids (AUTH-*) refer to docs/api-contract.md.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alibabacloud_tea_openapi.utils import Utils

from emulator.api import ApiRequest
from emulator.errors import (
    ApiError,
    access_key_not_found,
    incomplete_signature,
    signature_does_not_match,
)

DEFAULT_ACCESS_KEY_ID = "IMSEMULATORKEYID"
DEFAULT_ACCESS_KEY_SECRET = "ims-emulator-local-secret"  # noqa: S105 - emulator-only, documented
ACCESS_KEYS_ENV = "IMS_EMULATOR_ACCESS_KEYS"
ACS3_ALGORITHMS = ("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3")
MAX_CLOCK_SKEW_SECONDS = 15 * 60
_ACS3_REQUIRED_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
)
_RPC_REQUIRED_PARAMS = ("AccessKeyId", "SignatureMethod", "SignatureNonce", "Timestamp")


def parse_access_keys(specs: list[str]) -> dict[str, str]:
    """``["ID:SECRET", "ID2:SECRET2,ID3:SECRET3"]`` -> ``{ID: SECRET, ...}``."""
    keys: dict[str, str] = {}
    for spec in specs:
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, sep, secret = item.partition(":")
            if not sep or not key_id or not secret:
                raise ValueError("an access key must be given as ID:SECRET")
            keys[key_id] = secret
    return keys


@dataclass
class _SignedRequest:
    """The attributes ``Utils.get_authorization`` reads from a request."""

    method: str
    pathname: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Authenticator:
    """Verifies signatures against the configured AccessKey pairs; rejects replayed nonces."""

    keys: Mapping[str, str]
    clock: Callable[[], float] = time.time
    _nonces: OrderedDict[str, float] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, request: ApiRequest) -> str:
        """Authenticate a request; return the signed action name or raise the gateway error."""
        if request.headers.get("authorization", "").startswith("ACS3-"):
            return self._verify_acs3(request)
        if "Signature" in request.query:
            return self._verify_rpc(request.method, request.params)
        raise incomplete_signature("no Authorization header and no Signature parameter.")

    def _secret(self, key_id: str) -> str:
        secret = self.keys.get(key_id)
        if secret is None:
            raise access_key_not_found()
        return secret

    def _verify_acs3(self, request: ApiRequest) -> str:
        """AUTH-ACS3: recompute the Authorization value with the SDK's ``get_authorization``."""
        headers = request.headers
        authorization = headers["authorization"]
        algorithm, _, rest = authorization.partition(" ")
        parts = dict(item.split("=", 1) for item in rest.split(",") if "=" in item)
        signed = parts.get("SignedHeaders", "").split(";")
        if algorithm not in ACS3_ALGORITHMS or not {"Credential", "Signature"} <= parts.keys():
            raise incomplete_signature("malformed Authorization header.")
        if any(name not in signed or name not in headers for name in _ACS3_REQUIRED_HEADERS):
            raise incomplete_signature("a required x-acs-* or host header is missing or unsigned.")
        key_id = parts["Credential"]
        secret = self._secret(key_id)
        payload_hash = headers.get("x-acs-content-sha256", "")
        if not hmac.compare_digest(payload_hash, hashlib.sha256(request.body).hexdigest()):
            raise signature_does_not_match()
        signed_request = _SignedRequest(
            method=request.method,
            pathname=request.path,
            query=dict(request.query),
            headers={name: headers.get(name, "") for name in signed},
        )
        expected = Utils.get_authorization(signed_request, algorithm, payload_hash, key_id, secret)
        if not hmac.compare_digest(str(expected), authorization):
            raise signature_does_not_match()
        if "x-acs-security-token" in headers and headers.get("x-acs-accesskey-id") != key_id:
            raise signature_does_not_match()
        self._check_fresh(headers["x-acs-date"], headers["x-acs-signature-nonce"])
        return headers["x-acs-action"]

    def _verify_rpc(self, method: str, params: dict[str, str]) -> str:
        """AUTH-RPC: recompute the HMAC-SHA1 signature with the SDK's ``get_rpcsignature``."""
        signature = params.pop("Signature")
        if any(not params.get(name) for name in _RPC_REQUIRED_PARAMS) or "Action" not in params:
            raise incomplete_signature("a required signature parameter is missing.")
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise incomplete_signature("SignatureMethod must be HMAC-SHA1.")
        key_id = params["AccessKeyId"]
        expected = Utils.get_rpcsignature(params, method, self._secret(key_id))
        if not hmac.compare_digest(str(expected), signature):
            raise signature_does_not_match()
        self._check_fresh(params["Timestamp"], params["SignatureNonce"])
        return params["Action"]

    def _check_fresh(self, timestamp: str, nonce: str) -> None:
        """AUTH-TIME-SKEW and AUTH-NONCE-REPLAY."""
        try:
            signed_at = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise ApiError(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            ) from None
        now = self.clock()
        if abs(now - signed_at.timestamp()) > MAX_CLOCK_SKEW_SECONDS:
            raise ApiError(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        with self._lock:
            while self._nonces and now - next(iter(self._nonces.values())) > MAX_CLOCK_SKEW_SECONDS:
                self._nonces.popitem(last=False)
            if nonce in self._nonces:
                raise ApiError(
                    400, "SignatureNonceUsed", "Specified signature nonce was used already."
                )
            self._nonces[nonce] = now
