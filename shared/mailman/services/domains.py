"""Domains an organisation sends and receives on."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from mailman.domain.errors import Conflict, NotFound
from mailman.domain.models import Domain
from mailman.domain.names import (
    check_display_name,
    normalize_address,
    normalize_domain_name,
    unicode_domain_name,
)
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True)
class DomainSettings:
    """The sender defaults of a domain; `None` leaves a value unset (or unchanged on update)."""

    from_name: str | None = None
    reply_to: str | None = None
    bounce_address: str | None = None

    def checked(self) -> dict[str, str | None]:
        return {
            "from_name": check_display_name(self.from_name, field="from_name"),
            "reply_to": (
                normalize_address(self.reply_to, field="reply_to") if self.reply_to else None
            ),
            "bounce_address": (
                normalize_address(self.bounce_address, field="bounce_address")
                if self.bounce_address
                else None
            ),
        }


def create_domain(
    uow: UnitOfWorkFactory, organization_id: UUID, name: str, settings: DomainSettings
) -> Domain:
    ascii_name = normalize_domain_name(name)
    checked = settings.checked()
    with uow(None) as work:
        taken = work.domains.name_taken(ascii_name)
    if taken:
        raise Conflict(f"the domain {ascii_name} is already registered", field="name")
    with uow(organization_id) as work:
        return work.domains.add(
            organization_id,
            name=ascii_name,
            unicode_name=unicode_domain_name(ascii_name),
            from_name=checked["from_name"],
            reply_to=checked["reply_to"],
            bounce_address=checked["bounce_address"],
        )


def get_domain(uow: UnitOfWorkFactory, organization_id: UUID, domain_id: UUID) -> Domain:
    with uow(organization_id) as work:
        found = work.domains.get(domain_id)
    if found is None:
        raise NotFound("no such domain", field="domain_id")
    return found


def list_domains(uow: UnitOfWorkFactory, organization_id: UUID, page: PageRequest) -> Page[Domain]:
    with uow(organization_id) as work:
        return Page.from_rows(work.domains.list(page), page)


def update_domain(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    domain_id: UUID,
    settings: DomainSettings,
    fields_set: set[str],
) -> Domain:
    """Change the settings named in `fields_set`; a named field given as None is cleared."""
    checked = settings.checked()
    changes: dict[str, object] = {name: checked[name] for name in fields_set}
    with uow(organization_id) as work:
        updated = work.domains.update(domain_id, changes)
    if updated is None:
        raise NotFound("no such domain", field="domain_id")
    return updated


def delete_domain(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, domain_id: UUID
) -> None:
    """Soft-delete a domain and, with it, its inboxes."""
    now = clock.now()
    with uow(organization_id) as work:
        if not work.domains.soft_delete(domain_id, now):
            raise NotFound("no such domain", field="domain_id")
        work.inboxes.soft_delete_for_domain(domain_id, now)
