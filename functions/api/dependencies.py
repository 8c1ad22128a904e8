"""What routes need from the outside: the container and who the request acts for."""

from __future__ import annotations

import functools
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router

from mailman.composition import Container, build_container
from mailman.services.api_keys import Principal


@functools.cache
def container() -> Container:
    """Built on first use and kept for the life of the Lambda container."""
    return build_container()


def principal(router: Router) -> Principal:
    found = router.context.get("principal")
    assert isinstance(found, Principal), "auth runs before every private route"
    return found


def organization_id(router: Router) -> UUID:
    return principal(router).organization_id
