"""API errors as the Alibaba Cloud OpenAPI gateway reports them.

Messages name a parameter at most, never its value: no request data (above all no
``AuthKey``) may reach a response body or a log line. Statuses and sources: docs/api-contract.md.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response: HTTP status, gateway error code and a value-free message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self, request_id: str, host: str, product: str) -> dict[str, Any]:
        """The gateway's JSON error body."""
        return {
            "RequestId": request_id,
            "HostId": host,
            "Code": self.code,
            "Message": self.message,
            "Recommend": (
                f"https://api.aliyun.com/troubleshoot?q={self.code}"
                f"&product={product}&requestId={request_id}"
            ),
        }


def invalid_parameter(name: str, reason: str = "") -> ApiError:
    """400 InvalidParameter for parameter ``name`` (the value is never echoed)."""
    suffix = f" {reason}" if reason else ""
    return ApiError(
        400, "InvalidParameter", f'The specified parameter "{name}" is not valid.{suffix}'
    )


def missing_parameter(name: str) -> ApiError:
    """400 MissingParameter for a required parameter."""
    return ApiError(
        400,
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request '
        "is not supplied.",
    )


def invalid_argument(name: str, low: int, high: int, unit: str) -> ApiError:
    """400 InvalidArgument for an MNS attribute outside its documented range."""
    return ApiError(
        400, "InvalidArgument", f"The value of {name} should between {low} and {high} {unit}."
    )


def signature_does_not_match() -> ApiError:
    """400 SignatureDoesNotMatch (the string to sign is deliberately not included)."""
    return ApiError(
        400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
    )


def access_key_not_found() -> ApiError:
    """404 InvalidAccessKeyId.NotFound."""
    return ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")


def incomplete_signature(reason: str) -> ApiError:
    """400 IncompleteSignature: the request carries no usable signature."""
    return ApiError(
        400,
        "IncompleteSignature",
        f"The request signature does not conform to Aliyun standards: {reason}",
    )


def throttling() -> ApiError:
    """400 Throttling.User."""
    return ApiError(400, "Throttling.User", "Request was denied due to user flow control.")


def service_unavailable() -> ApiError:
    """503 ServiceUnavailable."""
    return ApiError(
        503,
        "ServiceUnavailable",
        "The request has failed due to a temporary failure of the server.",
    )


def internal_error() -> ApiError:
    """500 InternalError."""
    return ApiError(
        500,
        "InternalError",
        "The request processing has failed due to some unknown error, exception or failure.",
    )


def forbidden_ram() -> ApiError:
    """403 Forbidden.RAM."""
    return ApiError(
        403,
        "Forbidden.RAM",
        "User not authorized to operate on the specified resource, "
        "or this API doesn't support RAM.",
    )
