"""Once a minute: queues the webhook deliveries that are due (retries whose wait is over,
deliveries whose lease ran out) and ends the signing-secret rotations whose grace is over.
Work the queue did not take is counted (`WebhooksNotQueued`) and, once the sweep has
queued what it could, fails the invocation (its alarm); it goes out when its lease runs
out."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.runtime import cached_container, count, entrypoint
from mailman.domain.errors import NotQueued
from mailman.services.webhooks import sweep

container = cached_container()


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    c = container()
    swept = sweep(c.uow, c.webhook_queue, c.clock, api_base_url=c.settings.api_base_url)
    count("WebhooksQueued", swept.published)
    count("WebhookSecretsDropped", swept.secrets_dropped)
    if swept.not_queued:
        count("WebhooksNotQueued", swept.not_queued)
        raise NotQueued(
            f"the webhook queue did not take {swept.not_queued} pieces of work",
            queued=swept.published,
            failed=swept.not_queued,
        )
    return {"published": swept.published, "secrets_dropped": swept.secrets_dropped}
