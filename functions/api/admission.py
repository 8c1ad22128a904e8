"""What a private request passes before the router, in order: its API key or token (and
the failed authentications of its source address), its rate limit, its body (size in bytes, base64,
UTF-8, media type) and a path and query that can be stored.

These run before the router: its request validation would otherwise answer a bad body
before an unauthenticated caller is refused.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from functions.runtime import count, logger
from mailman.composition import Container
from mailman.domain.access import Caller
from mailman.domain.documents import check_storable
from mailman.domain.errors import (
    AttachmentTooLarge,
    DomainError,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
    ValidationError,
)
from mailman.domain.ratelimit import BucketState, RequestLimits
from mailman.domain.sending import MAX_SEND_REQUEST_BYTES
from mailman.services.auth import Principal, authenticate

from . import documents
from .dependencies import container

SEND_ROUTES = re.compile(
    r"/inboxes/[^/]+/(?:messages|drafts)|/messages/[^/]+/(?:reply|reply-all|forward)"
    r"|/drafts/[^/]+"
)
"""Requests that may carry attachments inline: they may be as large as Lambda allows."""
PUBLIC_ROUTES = frozenset(
    {("GET", "/health"), ("GET", "/openapi.json"), ("GET", documents.SWAGGER_UI)}
)


@dataclass(frozen=True)
class Admitted:
    principal: Principal
    headers: dict[str, str]
    """RateLimit-* for the answer."""


class Refused(Exception):
    """A request turned away, with the headers its answer carries (RateLimit-*, Retry-After)."""

    def __init__(self, error: DomainError, headers: dict[str, str]) -> None:
        super().__init__(error.message)
        self.error = error
        self.headers = headers


def header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def required(event: dict[str, Any]) -> bool:
    """Whether the request must be admitted. A CORS preflight carries no credentials: the
    router answers it (API Gateway does in AWS, locally the request reaches the function)."""
    method = str(event.get("httpMethod", "")).upper()
    return method != "OPTIONS" and (method, str(event.get("path", ""))) not in PUBLIC_ROUTES


def admit(event: dict[str, Any]) -> Admitted:
    """Authenticate, rate-limit and check the body of a private request, or raise `Refused`."""
    c = container()
    headers: dict[str, str] = {}
    log_as(None)  # the last request's caller is not this one's
    try:
        principal = _authenticate(c, event)
        log_as(principal.caller)
        bucket = principal.bucket
        headers = _rate_limit_headers(bucket)
        if not bucket.allowed:
            count("RateLimited")
            raise RateLimited("rate limit exceeded", retry_after_seconds=bucket.retry_after_seconds)
        _check_body(event, c.settings.max_request_bytes)
    except RateLimited as refused:  # the key's, or too many failed authentications
        retry = {"Retry-After": str(refused.retry_after_seconds)}
        raise Refused(refused, {**headers, **retry}) from refused
    except DomainError as error:
        raise Refused(error, headers) from error
    return Admitted(principal, headers)


def log_as(caller: Caller | None) -> None:
    """Who the request acts as, on every line it logs (a token's `sub` names the agent);
    with None, nobody (Powertools leaves out keys whose value is None)."""
    logger.append_keys(
        organization_id=caller and str(caller.organization_id),
        credential=caller and caller.credential,
        key_id=caller and str(caller.key_id),
        subject=caller and caller.subject,
    )


def _authenticate(c: Container, event: dict[str, Any]) -> Principal:
    """An API key, or a token (`limits`' key rate then binds each subject); the token
    verifier is asked for, and so loaded, only when a token arrives."""
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return authenticate(
        c.uow,
        c.clock,
        header(event, "Authorization"),
        source=identity.get("sourceIp"),
        blocked=c.blocked_addresses,
        limits=RequestLimits(
            c.settings.rate_limit_per_minute, c.settings.organization_rate_limit_per_minute
        ),
        tokens=lambda: c.token_verification,
    )


def _rate_limit_headers(bucket: BucketState) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(bucket.limit),
        "RateLimit-Remaining": str(bucket.remaining),
        "RateLimit-Reset": str(bucket.reset_seconds),
    }


def _check_body(event: dict[str, Any], max_request_bytes: int) -> None:
    """Size, media type and text of the request, before the router reads it."""
    raw = _body_bytes(event)
    _check_size(event, len(raw), max_request_bytes)
    if raw and not _is_json(header(event, "Content-Type")):
        raise UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json", field="Content-Type"
        )
    _check_text(event, raw)


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


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
