"""Reputation: a domain's or an inbox's delivery stats, and the resume of a domain whose
sending the brake paused."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router

from mailman.domain.access import Scope
from mailman.services import reputation

from ..access import requires
from ..dependencies import caller_uow, container, organization_id
from ..schemas.domains import DomainOut
from ..schemas.reputation import DomainStatsOut, InboxStatsOut, ResumeSending

router = Router()
TAGS = ["Reputation"]


@router.get(
    "/domains/<domain_id>/stats",
    operation_id="domains.stats",
    summary="A domain's delivery figures and rates over the last 24 hours, 7 and 30 days",
    tags=TAGS,
    **requires(Scope.DOMAINS_READ, organization_wide=True),
)
def domain_stats(domain_id: UUID) -> DomainStatsOut:
    c = container()
    stats = reputation.domain_stats(caller_uow(router), c.clock, organization_id(router), domain_id)
    return DomainStatsOut.model_validate({"domain_id": domain_id, **stats})


@router.get(
    "/inboxes/<inbox_id>/stats",
    operation_id="inboxes.stats",
    summary="An inbox's delivery figures and rates over the last 24 hours, 7 and 30 days",
    tags=TAGS,
    **requires(Scope.INBOXES_READ),
)
def inbox_stats(inbox_id: UUID) -> InboxStatsOut:
    c = container()
    stats = reputation.inbox_stats(caller_uow(router), c.clock, organization_id(router), inbox_id)
    return InboxStatsOut.model_validate({"inbox_id": inbox_id, **stats})


@router.post(
    "/domains/<domain_id>/resume-sending",
    operation_id="domains.resume_sending",
    summary="Lift the pause the reputation brake put on a domain's sending",
    tags=TAGS,
    **requires(Scope.DOMAINS_WRITE, organization_wide=True),
)
def resume_sending(domain_id: UUID, body: ResumeSending) -> DomainOut:
    c = container()
    resumed = reputation.resume_sending(
        caller_uow(router), c.clock, organization_id(router), domain_id, body.reason
    )
    return DomainOut.of(resumed)
