"""The one place where errors become HTTP: the status mapping and the JSON error envelope.

`{"error": {"type", "message", "field"?, "trace_id"}}`
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from mailman.domain import errors

STATUS: dict[type[errors.DomainError], HTTPStatus] = {
    errors.ValidationError: HTTPStatus.BAD_REQUEST,
    errors.Unauthorized: HTTPStatus.UNAUTHORIZED,
    errors.Forbidden: HTTPStatus.FORBIDDEN,
    errors.NotFound: HTTPStatus.NOT_FOUND,
    errors.Conflict: HTTPStatus.CONFLICT,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.AttachmentTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    errors.RateLimited: HTTPStatus.TOO_MANY_REQUESTS,
    errors.StorageError: HTTPStatus.INTERNAL_SERVER_ERROR,
    errors.DeliveryError: HTTPStatus.INTERNAL_SERVER_ERROR,
}


def status_of(error: errors.DomainError) -> HTTPStatus:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return HTTPStatus.INTERNAL_SERVER_ERROR


def envelope(
    error_type: str, message: str, trace_id: str, field: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": error_type, "message": message}
    if field is not None:
        body["field"] = field
    body["trace_id"] = trace_id
    return {"error": body}


def domain_error_envelope(error: errors.DomainError, trace_id: str) -> dict[str, Any]:
    message = error.message
    if status_of(error) >= HTTPStatus.INTERNAL_SERVER_ERROR:
        # Storage and delivery details are for the logs, not for the caller.
        message = "the service failed to complete the request; retry later"
    return envelope(error.type, message, trace_id, error.field)


def proxy_response(
    status: HTTPStatus, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """An API Gateway proxy result, for answers given before the router runs."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
