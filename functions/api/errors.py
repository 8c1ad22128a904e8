"""The one place where errors become HTTP: the status mapping, the JSON error envelope, the
router's exception handlers and the answers given without the router.

`{"error": {"type", "message", "field"?, "details"?, "trace_id"}}`
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from functions.runtime import logger
from mailman.domain import errors

from .validation import describe_validation_error

STATUS: dict[type[errors.DomainError], HTTPStatus] = {
    errors.ValidationError: HTTPStatus.BAD_REQUEST,
    errors.Unauthorized: HTTPStatus.UNAUTHORIZED,
    errors.Forbidden: HTTPStatus.FORBIDDEN,
    errors.NotFound: HTTPStatus.NOT_FOUND,
    errors.Conflict: HTTPStatus.CONFLICT,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.AttachmentTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    errors.RecipientsSuppressed: HTTPStatus.UNPROCESSABLE_ENTITY,
    errors.RateLimited: HTTPStatus.TOO_MANY_REQUESTS,
    errors.StorageError: HTTPStatus.INTERNAL_SERVER_ERROR,
    errors.DeliveryError: HTTPStatus.INTERNAL_SERVER_ERROR,
}

router = Router()
"""The exception handlers, for the resolver to include."""


def status_of(error: errors.DomainError) -> HTTPStatus:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return HTTPStatus.INTERNAL_SERVER_ERROR


def envelope(
    error_type: str,
    message: str,
    trace_id: str,
    field: str | None = None,
    details: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": error_type, "message": message}
    if field is not None:
        body["field"] = field
    if details is not None:
        body["details"] = dict(details)
    body["trace_id"] = trace_id
    return {"error": body}


def domain_error_envelope(error: errors.DomainError, trace_id: str) -> dict[str, Any]:
    if status_of(error) >= HTTPStatus.INTERNAL_SERVER_ERROR:
        # Storage and delivery details are for the logs, not for the caller.
        message = "the service failed to complete the request; retry later"
        return envelope(error.type, message, trace_id, error.field)
    return envelope(error.type, error.message, trace_id, error.field, error.details)


def _failure(error: errors.DomainError, trace_id: str) -> tuple[HTTPStatus, dict[str, Any]]:
    """The status and envelope of a domain error, wherever it was raised; one of ours is
    logged."""
    status = status_of(error)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.exception("request failed", extra={"error_type": error.type})
    return status, domain_error_envelope(error, trace_id)


def trace_id() -> str:
    """The request's trace id, which the pipeline puts in the router's context."""
    found = router.context.get("trace_id")
    return found if isinstance(found, str) else ""


def json_response(
    status: HTTPStatus, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


@router.exception_handler(errors.DomainError)
def on_domain_error(error: errors.DomainError) -> Response[dict[str, Any]]:
    return json_response(*_failure(error, trace_id()))


@router.exception_handler(RequestValidationError)
def on_validation_error(error: RequestValidationError) -> Response[dict[str, Any]]:
    message, field = describe_validation_error(error)
    return json_response(
        HTTPStatus.BAD_REQUEST, envelope("validation_error", message, trace_id(), field)
    )


@router.exception_handler(Exception)
def on_unexpected(_: Exception) -> Response[dict[str, Any]]:
    logger.exception("unexpected error")
    return json_response(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        envelope("internal_error", "the service failed unexpectedly", trace_id()),
    )


def refusal(error: errors.DomainError, trace_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """The answer to a request refused before the router runs."""
    return _proxy_response(*_failure(error, trace_id), headers)


def too_large(trace_id: str) -> dict[str, Any]:
    """The answer in place of one Lambda could not return."""
    error = envelope(
        "response_too_large",
        "the answer would be larger than the API can return; ask for fewer items (limit)",
        trace_id,
    )
    return _proxy_response(HTTPStatus.INTERNAL_SERVER_ERROR, error, {})


def _proxy_response(
    status: HTTPStatus, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """An API Gateway proxy result, for answers given without the router, written as the
    router writes its own (compact JSON), so that every error reads alike."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
