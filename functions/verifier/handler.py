"""Checks the domains whose turn has come: SES identity status and their DNS records;
then queues the webhooks due (`domain.*` events) at once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.runtime import cached_container, count, entrypoint, logger, publish_webhooks
from mailman.services.verify_domain import verify_due

container = cached_container()


@entrypoint
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
            count(domain_event.type)
    count("DomainsChecked", len(checked))
    publish_webhooks(c)
    return {"checked": len(checked)}
