"""`InMemoryInboxRepository`: addresses on domains, and the routing table receiving reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.domain.errors import Conflict
from mailman.domain.models import Domain, DomainStatus, Inbox, NewInbox, Sender
from mailman.domain.pagination import PageRequest
from mailman.domain.routing import RoutingEntry


class InMemoryInboxRepository(ScopedRepository):
    def _live(self) -> list[Inbox]:
        return [
            i
            for i in self._tables.inboxes.values()
            if self._tables.live(i.id)
            and self._scope.sees(i.organization_id)
            and self._scope.reaches(i.id)
        ]

    def _refuse_clash(self, inbox: Inbox) -> None:
        """The unique indexes `inboxes_live_address` and `inboxes_live_catch_all`."""
        others = [
            i
            for i in self._tables.inboxes.values()
            if i.domain_id == inbox.domain_id and i.id != inbox.id and self._tables.live(i.id)
        ]
        if any(i.local_part == inbox.local_part for i in others):
            raise Conflict("an inbox with this address already exists", field="local_part")
        if inbox.catch_all and any(i.catch_all for i in others):
            raise Conflict("the domain already has a catch-all inbox", field="catch_all")

    def add(self, inbox: NewInbox) -> Inbox:
        self._scope.check(inbox.organization_id)
        now = self._scope.stamp()
        added = Inbox(
            id=uuid.uuid4(),
            **asdict(inbox),
            domain_name=self._tables.domains[inbox.domain_id].name,
            created_at=now,
            updated_at=now,
        )
        self._scope.check_inbox(added.id)
        self._refuse_clash(added)
        self._tables.inboxes[added.id] = added
        return added

    def get(self, inbox_id: UUID) -> Inbox | None:
        found = self._tables.inboxes.get(inbox_id)
        if found is None or not self._tables.live(inbox_id):
            return None
        visible = self._scope.sees(found.organization_id) and self._scope.reaches(inbox_id)
        return found if visible else None

    def sender(self, inbox_id: UUID) -> Sender | None:
        inbox = self.get(inbox_id)
        if inbox is None:
            return None
        domain = self._tables.domains.get(inbox.domain_id)
        live = domain if domain is not None and self._tables.live(domain.id) else None
        return Sender(inbox, live, self._scope.stamp())

    def list(self, page: PageRequest, *, domain_id: UUID | None = None) -> list[Inbox]:
        chosen = (i for i in self._live() if domain_id is None or i.domain_id == domain_id)
        return keyset_page(chosen, page)

    def update(self, inbox_id: UUID, changes: dict[str, object]) -> Inbox | None:
        found = self.get(inbox_id)
        if found is None or not changes:
            return found
        changed = Inbox.model_validate(
            {**found.model_dump(), **changes, "updated_at": self._scope.stamp()}
        )
        self._refuse_clash(changed)
        self._tables.inboxes[inbox_id] = changed
        return changed

    def soft_delete(self, inbox_id: UUID, at: datetime) -> bool:
        if self.get(inbox_id) is None:
            return False
        self._tables.deleted[inbox_id] = at
        return True

    def soft_delete_for_domain(self, domain_id: UUID, at: datetime) -> int:
        gone = [i for i in self._live() if i.domain_id == domain_id]
        for inbox in gone:
            self._tables.deleted[inbox.id] = at
        return len(gone)

    def routing(self, domains: Sequence[str]) -> Sequence[RoutingEntry]:
        entries = []
        for name in sorted(set(domains)):
            claim = self._receiving_claim(name)
            if claim is not None:
                inboxes = [i for i in self._live() if i.domain_id == claim.id]
                entries.append(
                    RoutingEntry(
                        domain_id=claim.id,
                        organization_id=claim.organization_id,
                        name=name,
                        can_receive=claim.mx_verified,
                        inboxes={i.local_part: i.id for i in inboxes},
                        catch_all=next((i.id for i in inboxes if i.catch_all), None),
                    )
                )
        return entries

    def _receiving_claim(self, name: str) -> Domain | None:
        """The name's claim that receives for it, else its only live claim."""
        claims = [
            d
            for d in self._tables.domains.values()
            if d.name == name and self._tables.live(d.id) and self._scope.sees(d.organization_id)
        ]
        eligible = [d for d in claims if d.mx_verified or len(claims) == 1]
        eligible.sort(
            key=lambda d: (not d.mx_verified, d.status != DomainStatus.VERIFIED, d.created_at, d.id)
        )
        return eligible[0] if eligible else None
