"""Once a minute: queues the outgoing mail that is due (scheduled sends, and any the API
could not queue), settles hand-offs SES never confirmed, forgets expired idempotency keys."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailman.composition import Container, build_container
from mailman.services.sending import dispatch

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@functools.cache
def container() -> Container:
    return build_container()


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    c = container()
    done = dispatch(c.outbound, c.queue)
    metrics.add_metric(name="MessagesQueued", unit=MetricUnit.Count, value=done.queued)
    metrics.add_metric(name="HandOffsUnconfirmed", unit=MetricUnit.Count, value=done.unconfirmed)
    if done.unconfirmed:
        logger.warning("hand-offs SES never confirmed", extra={"count": done.unconfirmed})
    return {
        "queued": done.queued,
        "unconfirmed": done.unconfirmed,
        "keys_forgotten": done.keys_forgotten,
    }
