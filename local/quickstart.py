"""`MAILMAN_QUICKSTART=1 make dev`: a ready, verified domain on the first start."""

from __future__ import annotations

from uuid import UUID

from local.dns_zone import LocalZone
from mailman.composition import Container
from mailman.services import domains
from mailman.services.verify_domain import verify_domain


def quickstart(container: Container, zone: LocalZone, organization_id: str, name: str) -> None:
    org = UUID(organization_id)
    domain = domains.create_domain(
        container.uow,
        container.verifier.identities,
        container.settings.aws_region,
        org,
        name,
        domains.DomainSettings(from_name="Mailman (local)"),
    )
    zone.publish(domain.name, [r.record for r in domain.records])
    verified = verify_domain(container.uow, container.verifier, container.clock, org, domain.id)
    print(f"  Quick start   {verified.domain.name} created and {verified.domain.status.value}")
