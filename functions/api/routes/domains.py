"""Domains: create, list, get, update, soft-delete."""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from mailman.domain.access import Scope
from mailman.domain.pagination import PageRequest
from mailman.services import domains, verify_domain

from ..access import requires
from ..dependencies import caller_uow, container, organization_id
from ..schemas.common import Limit, ListOf, PageToken, listing
from ..schemas.domains import CreateDomain, DomainOut, UpdateDomain

router = Router()
TAGS = ["Domains"]


def _settings(body: UpdateDomain) -> domains.DomainSettings:
    return domains.DomainSettings(
        from_name=body.from_name,
        reply_to=body.reply_to,
        bounce_address=body.bounce_address,
        list_unsubscribe=body.list_unsubscribe,
    )


@router.post(
    "/domains",
    operation_id="domains.create",
    summary="Add a domain",
    tags=TAGS,
    **requires(Scope.DOMAINS_WRITE, organization_wide=True),
)
def create_domain(body: CreateDomain) -> Response[DomainOut]:
    c = container()
    created = domains.create_domain(
        caller_uow(router),
        c.verifier.identities,
        c.settings.aws_region,
        organization_id(router),
        body.name,
        _settings(body),
        reserved=c.settings.reserved_domain_names,
    )
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=DomainOut.of(created),
    )


@router.get(
    "/domains",
    operation_id="domains.list",
    summary="List domains",
    tags=TAGS,
    **requires(Scope.DOMAINS_READ, organization_wide=True),
)
def list_domains(
    limit: Limit = None,
    page_token: PageToken = None,
) -> ListOf[DomainOut]:
    page = domains.list_domains(
        caller_uow(router), organization_id(router), PageRequest.parse(limit, page_token)
    )
    return listing(page, DomainOut.of)


@router.get(
    "/domains/<domain_id>",
    operation_id="domains.get",
    summary="Get a domain",
    tags=TAGS,
    **requires(Scope.DOMAINS_READ, organization_wide=True),
)
def get_domain(domain_id: UUID) -> DomainOut:
    return DomainOut.of(domains.get_domain(caller_uow(router), organization_id(router), domain_id))


@router.patch(
    "/domains/<domain_id>",
    operation_id="domains.update",
    summary="Change a domain's sender defaults",
    tags=TAGS,
    **requires(Scope.DOMAINS_WRITE, organization_wide=True),
)
def update_domain(domain_id: UUID, body: UpdateDomain) -> DomainOut:
    updated = domains.update_domain(
        caller_uow(router),
        organization_id(router),
        domain_id,
        _settings(body),
        set(body.model_fields_set),
    )
    return DomainOut.of(updated)


@router.delete(
    "/domains/<domain_id>",
    operation_id="domains.delete",
    summary="Delete a domain and its inboxes",
    tags=TAGS,
    **requires(Scope.DOMAINS_WRITE, organization_wide=True),
)
def delete_domain(domain_id: UUID) -> Response[None]:
    c = container()
    domains.delete_domain(
        caller_uow(router),
        c.clock,
        c.verifier.identities,
        c.verifier.receipt,
        organization_id(router),
        domain_id,
    )
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.get(
    "/domains/<domain_id>/zone-file",
    operation_id="domains.zone_file",
    summary="The records to publish, as a BIND zone file snippet",
    tags=TAGS,
    **requires(Scope.DOMAINS_READ, organization_wide=True),
)
def domain_zone_file(domain_id: UUID) -> Response[str]:
    snippet = domains.zone_file(caller_uow(router), organization_id(router), domain_id)
    return Response(status_code=HTTPStatus.OK, content_type="text/plain", body=snippet)


@router.post(
    "/domains/<domain_id>/verify",
    operation_id="domains.verify",
    summary="Check the domain's DNS records and SES status now",
    tags=TAGS,
    **requires(Scope.DOMAINS_WRITE, organization_wide=True),
)
def verify_domain_now(domain_id: UUID) -> DomainOut:
    c = container()
    verified = verify_domain.verify_domain(
        caller_uow(router), c.verifier, c.clock, organization_id(router), domain_id
    )
    return DomainOut.of(verified.domain)
