"""Liveness: answers without a key and without touching the database.

It deliberately does not query PostgreSQL: monitors call it every minute, and a query would
keep an Aurora cluster that could scale to zero awake.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from ..schemas.common import Health

router = Router()


@router.get("/health", operation_id="health.get", summary="Is the API up?", tags=["Health"])
def health() -> Health:
    return Health(status="ok")
