"""Checks the domains whose turn has come: SES identity status and their DNS records."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailman.composition import Container, build_container
from mailman.services.verify_domain import verify_due

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
    checked = verify_due(c.uow, c.verifier, c.clock)
    for result in checked:
        for domain_event in result.events:
            logger.info(
                domain_event.type,
                extra={
                    "event": domain_event.type,
                    "domain_id": str(result.domain.id),
                    "organization_id": str(result.domain.organization_id),
                },
            )
            metrics.add_metric(name=domain_event.type, unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="DomainsChecked", unit=MetricUnit.Count, value=len(checked))
    return {"checked": len(checked)}
