"""What routes need from the outside: the container, who the request acts for, and the
unit of work of the request's caller."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from functions.runtime import cached_container
from mailman.domain.access import Caller
from mailman.services.auth import Principal

if TYPE_CHECKING:
    from mailman.ports import UnitOfWork, UnitOfWorkFactory
    from mailman.services.sending import Sending

container = cached_container()
"""Built on first use and kept for the life of the Lambda container."""


def principal(router: BaseRouter) -> Principal:
    found = router.context.get("principal")
    assert isinstance(found, Principal), "auth runs before every private route"
    return found


def organization_id(router: BaseRouter) -> UUID:
    return principal(router).organization_id


@dataclass(frozen=True)
class CallerUnitOfWorkFactory:
    """`uow`, opening each unit of work of the caller's own organisation for the caller:
    row-level security confines a caller bound to inboxes to theirs, and every event the
    unit of work appends records who appended it. Units of work of no organisation (the
    system's) are opened as asked."""

    uow: UnitOfWorkFactory
    caller: Caller

    @contextmanager
    def __call__(
        self,
        organization_id: UUID | None,
        *,
        pipelined: bool = False,
        autocommit: bool = False,
        caller: Caller | None = None,
    ) -> Iterator[UnitOfWork]:
        if caller is None and organization_id == self.caller.organization_id:
            caller = self.caller
        with self.uow(
            organization_id, pipelined=pipelined, autocommit=autocommit, caller=caller
        ) as work:
            yield work


def caller_uow(router: BaseRouter) -> UnitOfWorkFactory:
    """The request's unit of work: the container's, for the request's caller."""
    return CallerUnitOfWorkFactory(container().uow, principal(router).caller)


def caller_sending(router: BaseRouter) -> Sending:
    """What sending needs, its unit of work the request's caller's."""
    return dataclasses.replace(container().sending, uow=caller_uow(router))
