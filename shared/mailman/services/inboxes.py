"""Inboxes: addresses on an organisation's domains."""

from __future__ import annotations

from uuid import UUID

from mailman.domain.errors import NotFound, ValidationError
from mailman.domain.folders import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS
from mailman.domain.models import Inbox, NewInbox
from mailman.domain.names import check_address_length, check_display_name, normalize_local_part
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import Clock, UnitOfWorkFactory


def create_inbox(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    *,
    domain_id: UUID,
    local_part: str,
    display_name: str | None = None,
    catch_all: bool = False,
) -> Inbox:
    normalized = normalize_local_part(local_part)
    name = check_display_name(display_name, field="display_name")
    with uow(organization_id) as work:
        domain = work.domains.get(domain_id)
        if domain is None:
            raise NotFound("no such domain", field="domain_id")
        check_address_length(f"{normalized}@{domain.name}", field="local_part")
        return work.inboxes.add(
            NewInbox(
                organization_id,
                domain_id=domain_id,
                local_part=normalized,
                display_name=name,
                catch_all=catch_all,
            )
        )


def get_inbox(uow: UnitOfWorkFactory, organization_id: UUID, inbox_id: UUID) -> Inbox:
    with uow(organization_id) as work:
        found = work.inboxes.get(inbox_id)
    if found is None:
        raise NotFound("no such inbox", field="inbox_id")
    return found


def find_inbox(uow: UnitOfWorkFactory, inbox_id: UUID) -> Inbox:
    """Any organisation's live inbox by id: for operators, never for API callers."""
    with uow(None) as work:
        found = work.inboxes.get(inbox_id)
    if found is None:
        raise NotFound("no such inbox", field="inbox_id")
    return found


def list_inboxes(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    page: PageRequest,
    *,
    domain_id: UUID | None = None,
) -> Page[Inbox]:
    with uow(organization_id) as work:
        return Page.from_rows(work.inboxes.list(page, domain_id=domain_id), page)


def update_inbox(
    uow: UnitOfWorkFactory,
    organization_id: UUID,
    inbox_id: UUID,
    changes: dict[str, object],
) -> Inbox:
    """Apply `changes` (any of display_name, catch_all, trash_retention_days); a
    display_name of None clears it."""
    checked: dict[str, object] = {}
    if "display_name" in changes:
        value = changes["display_name"]
        checked["display_name"] = check_display_name(
            value if isinstance(value, str) else None, field="display_name"
        )
    if "catch_all" in changes:
        if not isinstance(changes["catch_all"], bool):
            raise ValidationError("catch_all must be true or false", field="catch_all")
        checked["catch_all"] = changes["catch_all"]
    if "trash_retention_days" in changes:
        checked["trash_retention_days"] = _retention(changes["trash_retention_days"])
    with uow(organization_id) as work:
        updated = work.inboxes.update(inbox_id, checked)
    if updated is None:
        raise NotFound("no such inbox", field="inbox_id")
    return updated


def delete_inbox(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, inbox_id: UUID
) -> None:
    with uow(organization_id) as work:
        if not work.inboxes.soft_delete(inbox_id, clock.now()):
            raise NotFound("no such inbox", field="inbox_id")


def _retention(value: object) -> int:
    """Days trash is kept: a whole number from 1 to 3650."""
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not MIN_RETENTION_DAYS <= value <= MAX_RETENTION_DAYS
    ):
        raise ValidationError(
            f"trash_retention_days must be a whole number from {MIN_RETENTION_DAYS} to "
            f"{MAX_RETENTION_DAYS}",
            field="trash_retention_days",
        )
    return value
