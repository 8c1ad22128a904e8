"""The way of every request, in order: trace id -> admission (auth, rate limit, request body:
`admission`) -> route -> an answer Lambda can return. Every step answers in the same error
envelope (`errors`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

from functions.runtime import count, logger

from . import admission, budget, documents, errors

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

EXPOSED_HEADERS = [
    "X-Trace-Id",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
]


def cors_for(origins: str) -> CORSConfig | None:
    """CORS for comma-separated origins; none when there are none."""
    allowed = [o.strip() for o in origins.split(",") if o.strip()]
    if not allowed:
        return None
    return CORSConfig(
        allow_origin=allowed[0],
        extra_origins=allowed[1:],
        allow_headers=["Idempotency-Key"],
        expose_headers=EXPOSED_HEADERS,
        max_age=3600,
    )


@dataclass(frozen=True)
class Pipeline:
    app: APIGatewayRestResolver
    cors: CORSConfig | None

    def answer(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request_context = event.get("requestContext") or {}
        trace_id = str(request_context.get("requestId") or uuid.uuid4())
        logger.set_correlation_id(trace_id)
        headers = {"X-Trace-Id": trace_id}
        if self.cors is not None:
            # The router adds these to its own answers; refusals before it need them as well,
            # or a browser cannot read why it was refused.
            headers.update(self.cors.to_dict(admission.header(event, "Origin")))
        if admission.required(event):
            try:
                admitted = admission.admit(event)
            except admission.Refused as refused:
                refusal = errors.refusal(refused.error, trace_id, {**headers, **refused.headers})
                return _counted(refusal, {})
            headers.update(admitted.headers)
            self.app.append_context(principal=admitted.principal)
        self.app.append_context(trace_id=trace_id)
        documents.serve_swagger_ui_if_asked(self.app, event)
        return _counted(_within_lambdas_limit(self.app.resolve(event, context), trace_id), headers)


def _counted(result: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """Add the pipeline's headers to a result and count it by status class (2xx, 4xx, 5xx)."""
    count(f"Http{int(result['statusCode']) // 100}xx")
    multi = result.setdefault("multiValueHeaders", {})
    for name, value in headers.items():
        multi[name] = [value]
    return result


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
    count("ResponsesTooLarge")
    return errors.too_large(trace_id)
