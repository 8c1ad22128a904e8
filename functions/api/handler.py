"""The REST API function.

Every request passes, in this order: trace id -> auth -> rate limit -> request body (its size
in bytes, its media type, UTF-8, nothing that cannot be stored) -> route -> an answer Lambda
can return. The steps before the router run first (its request validation would otherwise
answer a bad body before an unauthenticated caller is refused), and every step answers in
the same error envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailman.config import Settings
from mailman.domain.documents import check_storable, parse_document
from mailman.domain.errors import (
    AttachmentTooLarge,
    DomainError,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
    ValidationError,
)
from mailman.domain.ratelimit import BucketState
from mailman.domain.sending import MAX_SEND_REQUEST_BYTES
from mailman.services import api_keys, rate_limit

from . import budget
from .dependencies import container
from .errors import domain_error_envelope, envelope, proxy_response, status_of
from .routes import api_keys as api_key_routes
from .routes import domains, drafts, events, health, inboxes, mailbox, sending
from .validation import describe_validation_error

logger = Logger()
tracer = Tracer()
metrics = Metrics()

EXPOSED_HEADERS = [
    "X-Trace-Id",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
]


def _cors() -> CORSConfig | None:
    """CORS for the configured origins (read once, when the container starts)."""
    origins = [o.strip() for o in Settings().cors_origins.split(",") if o.strip()]
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        allow_headers=["Idempotency-Key"],
        expose_headers=EXPOSED_HEADERS,
        max_age=3600,
    )


CORS = _cors()
app = APIGatewayRestResolver(
    enable_validation=True, cors=CORS, json_body_deserializer=parse_document
)
for module in (health, domains, inboxes, api_key_routes, events, mailbox, sending, drafts):
    app.include_router(module.router)

OPENAPI: dict[str, Any] = {
    "title": "Mailman API",
    "version": "0.1.0",
    "description": "Domains, inboxes and mail for applications and agents.",
    "security_schemes": {"bearer": HTTPBearer(description="An API key: `mm_live_...`")},
    "security": [{"bearer": []}],
}
app.enable_swagger(path="/docs", **OPENAPI)

SEND_ROUTES = re.compile(
    r"/inboxes/[^/]+/(?:messages|drafts)|/messages/[^/]+/(?:reply|reply-all|forward)"
    r"|/drafts/[^/]+"
)
"""Requests that may carry attachments inline: they may be as large as Lambda allows."""
PUBLIC_ROUTES = frozenset({("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/docs")})


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(
        status_code=HTTPStatus.OK,
        content_type=content_types.APPLICATION_JSON,
        body=app.get_openapi_json_schema(**OPENAPI),
    )


def _trace_id() -> str:
    found = app.context.get("trace_id")
    return found if isinstance(found, str) else ""


def _error(status: HTTPStatus, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@app.exception_handler(DomainError)
def on_domain_error(error: DomainError) -> Response[dict[str, Any]]:
    status = status_of(error)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.exception("request failed", extra={"error_type": error.type})
    return _error(status, domain_error_envelope(error, _trace_id()))


@app.exception_handler(RequestValidationError)
def on_validation_error(error: RequestValidationError) -> Response[dict[str, Any]]:
    message, field = describe_validation_error(error)
    return _error(HTTPStatus.BAD_REQUEST, envelope("validation_error", message, _trace_id(), field))


@app.not_found
def on_not_found(_: NotFoundError) -> Response[dict[str, Any]]:
    return _error(HTTPStatus.NOT_FOUND, envelope("not_found", "no such route", _trace_id()))


@app.exception_handler(Exception)
def on_unexpected(_: Exception) -> Response[dict[str, Any]]:
    logger.exception("unexpected error")
    return _error(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        envelope("internal_error", "the service failed unexpectedly", _trace_id()),
    )


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _rate_limit_headers(bucket: BucketState) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(bucket.limit),
        "RateLimit-Remaining": str(bucket.remaining),
        "RateLimit-Reset": str(bucket.reset_seconds),
    }


def _admit(event: dict[str, Any]) -> dict[str, str]:
    """Authenticate, rate-limit and size-check a private request; answer headers to add."""
    c = container()
    identity = (event.get("requestContext") or {}).get("identity") or {}
    try:
        principal = api_keys.authenticate(
            c.uow,
            c.clock,
            _header(event, "Authorization"),
            source=identity.get("sourceIp"),
            blocked=c.blocked_addresses,
        )
    except RateLimited as refused:  # too many failed authentications from the address
        raise _Refused(refused, {"Retry-After": str(refused.retry_after_seconds)}) from refused
    logger.append_keys(organization_id=str(principal.organization_id))
    bucket = rate_limit.take_token(
        c.uow,
        c.clock,
        principal,
        default_per_minute=c.settings.rate_limit_per_minute,
        default_organization_per_minute=c.settings.organization_rate_limit_per_minute,
    )
    headers = _rate_limit_headers(bucket)
    if not bucket.allowed:
        metrics.add_metric(name="RateLimited", unit=MetricUnit.Count, value=1)
        raise _Refused(
            RateLimited("rate limit exceeded", retry_after_seconds=bucket.retry_after_seconds),
            {**headers, "Retry-After": str(bucket.retry_after_seconds)},
        )
    try:
        _check_body(event, c.settings.max_request_bytes)
    except DomainError as error:
        raise _Refused(error, headers) from error
    app.append_context(principal=principal)
    return headers


def _check_body(event: dict[str, Any], max_request_bytes: int) -> None:
    """Size, media type and text of the request, before the router reads it."""
    raw = _body_bytes(event)
    _check_size(event, len(raw), max_request_bytes)
    if raw and not _is_json(_header(event, "Content-Type")):
        raise UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json", field="Content-Type"
        )
    _check_text(event, raw)


def _body_bytes(event: dict[str, Any]) -> bytes:
    """The request body as the caller sent it (API Gateway base64-encodes what is not text)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("the body is not valid base64", field="body") from exc
    return str(body).encode("utf-8", "surrogatepass")


def _check_text(event: dict[str, Any], raw: bytes) -> None:
    """Refuse a body that is not UTF-8, and a path or query holding what cannot be stored;
    hand the router the body as text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError("the body is not valid UTF-8", field="body") from exc
    if event.get("isBase64Encoded"):
        event["body"] = text
        event["isBase64Encoded"] = False
    check_storable(str(event.get("path", "")), "path")
    for name, values in (event.get("multiValueQueryStringParameters") or {}).items():
        check_storable(name, name)
        for value in values or ():
            check_storable(value, name)
    for name, value in (event.get("queryStringParameters") or {}).items():
        check_storable(name, name)
        check_storable(value or "", name)


def _check_size(event: dict[str, Any], size: int, limit: int) -> None:
    method = event.get("httpMethod")
    if method in ("POST", "PATCH") and SEND_ROUTES.fullmatch(str(event.get("path", ""))):
        if size > MAX_SEND_REQUEST_BYTES:
            raise AttachmentTooLarge(
                f"a send request may be at most {MAX_SEND_REQUEST_BYTES:,} bytes (4 MiB "
                "of attachments inline); upload larger files with POST /attachments",
                field="attachments",
            )
    elif size > limit:
        raise PayloadTooLarge(f"request body is larger than {limit} bytes", field="body")


class _Refused(Exception):
    def __init__(self, error: DomainError, headers: dict[str, str]) -> None:
        super().__init__(error.message)
        self.error = error
        self.headers = headers


def _answer(result: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """Add the pipeline's headers to a result and count it by status class (2xx, 4xx, 5xx)."""
    metrics.add_metric(
        name=f"Http{int(result['statusCode']) // 100}xx", unit=MetricUnit.Count, value=1
    )
    multi = result.setdefault("multiValueHeaders", {})
    for name, value in headers.items():
        multi[name] = [value]
    return result


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request_context = event.get("requestContext") or {}
    trace_id = str(request_context.get("requestId") or uuid.uuid4())
    logger.set_correlation_id(trace_id)
    headers = {"X-Trace-Id": trace_id}
    if CORS is not None:
        # The router adds these to its own answers; refusals before it need them as well,
        # or a browser cannot read why it was refused.
        headers.update(CORS.to_dict(_header(event, "Origin")))
    method = str(event.get("httpMethod", "")).upper()
    # A CORS preflight carries no credentials: the router answers it (API Gateway does in
    # AWS, locally the request reaches this function).
    if method != "OPTIONS" and (method, str(event.get("path", ""))) not in PUBLIC_ROUTES:
        try:
            headers.update(_admit(event))
        except _Refused as refused:
            return _answer(
                proxy_response(
                    status_of(refused.error),
                    domain_error_envelope(refused.error, trace_id),
                    {**headers, **refused.headers},
                ),
                {},
            )
        except DomainError as error:
            if status_of(error) >= HTTPStatus.INTERNAL_SERVER_ERROR:
                logger.exception("admission failed", extra={"error_type": error.type})
            return _answer(
                proxy_response(status_of(error), domain_error_envelope(error, trace_id), headers),
                {},
            )
    app.append_context(trace_id=trace_id)
    return _answer(_within_lambdas_limit(app.resolve(event, context), trace_id), headers)


def _within_lambdas_limit(result: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """The result, or an error in its place if Lambda could not return it (API Gateway would
    answer a bare 502). Every route answers within budgets (`budget`); this is the fence for
    one that does not."""
    body = str(result.get("body") or "")
    # An ASCII body at most doubles once escaped into the payload: most need no measuring.
    if (
        body.isascii()
        and 2 * len(body) + budget.MAX_HEADERS_SIZE <= budget.MAX_LAMBDA_RESPONSE_BYTES
    ):
        return result
    size = len(json.dumps(result))
    if size <= budget.MAX_LAMBDA_RESPONSE_BYTES:
        return result
    logger.error("answer too large for Lambda", extra={"bytes": size})
    metrics.add_metric(name="ResponsesTooLarge", unit=MetricUnit.Count, value=1)
    error = envelope(
        "response_too_large",
        "the answer would be larger than the API can return; ask for fewer items (limit)",
        trace_id,
    )
    return proxy_response(HTTPStatus.INTERNAL_SERVER_ERROR, error, {})
