"""Domains an organisation sends and receives on."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

from mailman.domain import claims, dns_records
from mailman.domain.errors import NotFound
from mailman.domain.models import Domain, NewDomain
from mailman.domain.names import (
    check_display_name,
    normalize_address,
    normalize_domain_name,
    unicode_domain_name,
)
from mailman.domain.outbound import check_list_unsubscribe
from mailman.domain.pagination import Page, PageRequest
from mailman.ports import Clock, DomainIdentities, ReceiptRecipients, UnitOfWorkFactory


@dataclass(frozen=True)
class DomainSettings:
    """The sender defaults of a domain; `None` leaves a value unset (or unchanged on update)."""

    from_name: str | None = None
    reply_to: str | None = None
    bounce_address: str | None = None
    list_unsubscribe: str | None = None

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
            "list_unsubscribe": (
                check_list_unsubscribe(self.list_unsubscribe) if self.list_unsubscribe else None
            ),
        }


def create_domain(
    uow: UnitOfWorkFactory,
    identities: DomainIdentities,
    region: str,
    organization_id: UUID,
    name: str,
    settings: DomainSettings,
    *,
    reserved: Collection[str] = (),
) -> Domain:
    """Claim a domain: its SES identity first, then the row and the records to publish.

    Names no one may claim (`claims.refuse_unclaimable`, with the platform's own `reserved`
    domains) are refused, and so is a name another organisation verified, or one under such a
    name (`claims.refuse_claim`), and a claim past the organisation's cap
    (`claims.MAX_LIVE_CLAIMS`). Other organisations' pending claims do not stand in the way:
    the first claim to verify holds the name.

    Creating the identity is idempotent (and claims of one name share it), so if storing fails
    afterwards a retry reuses it and the database holds nothing half-made.
    """
    ascii_name = normalize_domain_name(name)
    claims.refuse_unclaimable(ascii_name, reserved)
    checked = settings.checked()
    with uow(None) as work:
        held = work.domains.claims(claims.name_and_parents(ascii_name))
    claims.refuse_claim(organization_id, ascii_name, held)
    with uow(organization_id) as work:
        claims.refuse_another(work.domains.count_live())
    mail_from = dns_records.mail_from_domain(ascii_name)
    identity = identities.create(ascii_name, mail_from)
    with uow(organization_id) as work:
        # Counted again under the organisation's lock: concurrent claims take turns.
        if work.organizations.get(organization_id, lock=True) is None:
            raise NotFound("no such organisation", field="organization_id")
        claims.refuse_another(work.domains.count_live())
        domain = work.domains.add(
            NewDomain(
                organization_id,
                name=ascii_name,
                unicode_name=unicode_domain_name(ascii_name),
                from_name=checked["from_name"],
                reply_to=checked["reply_to"],
                bounce_address=checked["bounce_address"],
                list_unsubscribe=checked["list_unsubscribe"],
                region=region,
                mail_from_domain=mail_from,
                dkim_tokens=identity.dkim_tokens,
                ses_dkim_status=identity.dkim_status,
            )
        )
        assert domain.verification_token is not None  # the database gives every row one
        records = dns_records.required_records(
            ascii_name, identity.dkim_tokens, region, domain.verification_token
        )
        return work.domains.set_records(domain, records)


def find_domain_by_name(uow: UnitOfWorkFactory, name: str) -> Domain:
    """A live domain by name, of any organisation: the verified one, else the newest claim.
    For operators, never for API callers."""
    ascii_name = normalize_domain_name(name)
    with uow(None) as work:
        found = work.domains.claims([ascii_name])
    if not found:
        raise NotFound(f"no live domain named {ascii_name}", field="name")
    return found[0]


def zone_file(uow: UnitOfWorkFactory, organization_id: UUID, domain_id: UUID) -> str:
    """The domain's records as a BIND zone snippet, to paste into a DNS provider."""
    domain = get_domain(uow, organization_id, domain_id)
    return dns_records.zone_snippet(domain.name, [r.record for r in domain.records])


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
    uow: UnitOfWorkFactory,
    clock: Clock,
    identities: DomainIdentities,
    receipt: ReceiptRecipients | None,
    organization_id: UUID,
    domain_id: UUID,
) -> None:
    """Soft-delete a domain and its inboxes, after removing its SES identity.

    Other organisations' claims of the name share the identity and the receipt rule's entry:
    the identity goes with the name's last live claim, the entry with its last claim that
    receives, so deleting a claim never breaks another's. SES goes first: both SES calls are
    idempotent, so if the database step fails the delete can simply be repeated.
    """
    domain = get_domain(uow, organization_id, domain_id)
    with uow(None) as work:
        others = [d for d in work.domains.claims([domain.name]) if d.id != domain.id]
    if receipt is not None and not any(d.can_receive for d in others):
        receipt.disallow(domain.name)
    if not others:
        identities.delete(domain.name)
    now = clock.now()
    with uow(organization_id) as work:
        if not work.domains.soft_delete(domain_id, now):
            raise NotFound("no such domain", field="domain_id")
        work.inboxes.soft_delete_for_domain(domain_id, now)
