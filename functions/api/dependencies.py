"""What routes need from the outside: the container and who the request acts for."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.runtime import cached_container
from mailman.services.auth import Principal

container = cached_container()
"""Built on first use and kept for the life of the Lambda container."""


def principal(router: Router) -> Principal:
    found = router.context.get("principal")
    assert isinstance(found, Principal), "auth runs before every private route"
    return found


def organization_id(router: Router) -> UUID:
    return principal(router).organization_id
