"""`InMemoryDomainRepository`: organisations' claims of domain names, with their records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from mailman.adapters.memory.tables import ScopedRepository, keyset_page
from mailman.domain.claims import VerifiedElsewhere, already_held
from mailman.domain.dns_records import DnsRecord
from mailman.domain.models import Domain, DomainRecordState, DomainStatus, NewDomain
from mailman.domain.pagination import PageRequest
from mailman.domain.verification import VERIFIED_ELSEWHERE, Assessment


class InMemoryDomainRepository(ScopedRepository):
    def _live(self) -> list[Domain]:
        return [
            d
            for d in self._tables.domains.values()
            if self._tables.live(d.id) and self._scope.sees(d.organization_id)
        ]

    def add(self, domain: NewDomain) -> Domain:
        self._scope.check(domain.organization_id)
        if any(
            d.organization_id == domain.organization_id and d.name == domain.name
            for d in self._live()
        ):
            raise already_held(domain.name)
        now = self._scope.stamp()
        added = Domain(
            id=uuid.uuid4(),
            **asdict(domain),
            verification_token=uuid.uuid4().hex,
            pending_since=now,
            next_check_at=now,
            created_at=now,
            updated_at=now,
        )
        self._tables.domains[added.id] = added
        return added

    def get(self, domain_id: UUID) -> Domain | None:
        found = self._tables.domains.get(domain_id)
        if found is None or not self._tables.live(domain_id):
            return None
        return found if self._scope.sees(found.organization_id) else None

    def count_live(self) -> int:
        return len(self._live())

    def claims(self, names: Sequence[str]) -> Sequence[Domain]:
        found = [d for d in self._live() if d.name in names]
        found.sort(key=lambda d: d.id)
        found.sort(key=lambda d: d.created_at, reverse=True)
        found.sort(key=lambda d: d.status != DomainStatus.VERIFIED)
        return found

    def receiving_states(self) -> Sequence[tuple[str, bool]]:
        receiving: dict[str, bool] = {}
        for d in self._tables.domains.values():
            if self._scope.sees(d.organization_id):
                live = d.mx_verified and self._tables.live(d.id)
                receiving[d.name] = receiving.get(d.name, False) or live
        return sorted(receiving.items())

    def list(self, page: PageRequest) -> list[Domain]:
        return keyset_page(self._live(), page)

    def update(self, domain_id: UUID, changes: dict[str, object]) -> Domain | None:
        found = self.get(domain_id)
        if found is None or not changes:
            return found
        changed = Domain.model_validate(
            {**found.model_dump(), **changes, "updated_at": self._scope.stamp()}
        )
        self._tables.domains[domain_id] = changed
        return changed

    def soft_delete(self, domain_id: UUID, at: datetime) -> bool:
        if self.get(domain_id) is None:
            return False
        self._tables.deleted[domain_id] = at
        return True

    def set_records(self, domain: Domain, records: Sequence[DnsRecord]) -> Domain:
        states = tuple(
            DomainRecordState(
                purpose=r.purpose, type=r.type, name=r.name, value=r.value, priority=r.priority
            )
            for r in records
        )
        changed = self._tables.domains[domain.id].model_copy(update={"records": states})
        self._tables.domains[domain.id] = changed
        return changed

    def save_verification(self, domain_id: UUID, outcome: Assessment) -> None:
        """The unique index `domains_verified_name`: one verified live claim per name."""
        found = self.get(domain_id)
        if found is None:
            return
        changed = Domain.model_validate(
            {**found.model_dump(), **outcome.changes, "records": outcome.records}
        )
        held = self._tables.domains.values()
        if changed.status == DomainStatus.VERIFIED and any(
            d.name == changed.name
            and d.id != domain_id
            and d.status == DomainStatus.VERIFIED
            and self._tables.live(d.id)
            for d in held
        ):
            raise VerifiedElsewhere(VERIFIED_ELSEWHERE, field="name")
        self._tables.domains[domain_id] = changed.model_copy(
            update={"updated_at": self._scope.stamp()}
        )

    def claim_due(self, at: datetime, limit: int, lease_until: datetime) -> Sequence[Domain]:
        due = sorted(
            (d for d in self._live() if d.next_check_at is not None and d.next_check_at <= at),
            key=lambda d: d.next_check_at or at,
        )[:limit]
        leased = [d.model_copy(update={"next_check_at": lease_until}) for d in due]
        for domain in leased:
            self._tables.domains[domain.id] = domain
        return leased
