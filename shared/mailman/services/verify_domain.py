"""Domain verification: ask SES and DNS, store each record's status, announce the changes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from mailman.domain import dns_records
from mailman.domain.claims import VerifiedElsewhere
from mailman.domain.errors import DeliveryError, DomainError, NotFound
from mailman.domain.events import NewEvent
from mailman.domain.models import Domain, DomainStatus
from mailman.domain.verification import Assessment, DomainEvent, SesIdentity, assess, defeated
from mailman.ports import (
    Clock,
    DomainIdentities,
    ReceiptRecipients,
    Resolver,
    UnitOfWork,
    UnitOfWorkFactory,
)

_log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
"""How long a claimed domain stays out of other verifier runs' reach."""


@dataclass(frozen=True)
class Verifier:
    """What verification talks to; `receipt` is absent where no receipt rule is managed."""

    identities: DomainIdentities
    resolver: Resolver
    receipt: ReceiptRecipients | None = None


@dataclass(frozen=True)
class Verified:
    domain: Domain
    events: tuple[DomainEvent, ...]


@dataclass(frozen=True)
class _Observation:
    identity: SesIdentity | None
    results: tuple[dns_records.RecordCheck, ...]


def _observe(domain: Domain, verifier: Verifier, pool: Executor) -> _Observation:
    """SES's view and every record's DNS answer; lookups run concurrently, each time-bounded."""
    lookups = [pool.submit(verifier.resolver.lookup, r.name, r.type) for r in domain.records]
    try:
        identity = verifier.identities.get(domain.name)
    except DeliveryError:
        # SES could not be asked: judge DNS now and keep SES's last known view.
        identity = SesIdentity(
            domain.dkim_tokens, domain.ses_dkim_status, domain.ses_mail_from_status
        )
    results = tuple(
        dns_records.check(record.record, future.result())
        for record, future in zip(domain.records, lookups, strict=True)
    )
    return _Observation(identity, results)


def _record(
    uow: UnitOfWorkFactory, verifier: Verifier, clock: Clock, domain: Domain, seen: _Observation
) -> Verified | None:
    """Store what was seen of the domain; None when it was deleted meanwhile.

    Claims of one name (by several organisations) share its SES identity and DNS, so the
    others' state decides too: a claim cannot verify while another is verified, one that
    verifies fails the others still waiting, and the receipt rule keeps the name while any
    claim receives for it.
    """
    now = clock.now()
    with uow(None) as work:
        named = work.domains.claims([domain.name])
    current = next((d for d in named if d.id == domain.id), None)
    if current is None:
        return None
    rivals = [d for d in named if d.id != domain.id]
    outcome = assess(
        current,
        seen.identity,
        seen.results,
        now,
        verified_elsewhere=any(d.status is DomainStatus.VERIFIED for d in rivals),
    )
    could_receive = current.can_receive
    will_receive = bool(outcome.changes["mx_verified"])
    shared = any(d.can_receive for d in rivals)
    if verifier.receipt is not None and could_receive != will_receive and not shared:
        # Before the database: if this fails nothing is stored and the next pass tries again.
        if will_receive:
            verifier.receipt.allow(domain.name)
        else:
            verifier.receipt.disallow(domain.name)
    try:
        updated = _store(uow, current, outcome, now)
    except VerifiedElsewhere:
        # Another claim of the name verified while this one was being checked.
        outcome = assess(current, seen.identity, seen.results, now, verified_elsewhere=True)
        updated = _store(uow, current, outcome, now)
    if outcome.status is DomainStatus.VERIFIED and current.status is not DomainStatus.VERIFIED:
        _defeat(uow, rivals, now)
    return Verified(updated, outcome.events)


def _store(uow: UnitOfWorkFactory, domain: Domain, outcome: Assessment, now: datetime) -> Domain:
    with uow(domain.organization_id) as work:
        work.domains.save_verification(domain.id, outcome)
        _announce(work, domain, outcome, now)
        updated = work.domains.get(domain.id)
    assert updated is not None
    return updated


def _announce(work: UnitOfWork, domain: Domain, outcome: Assessment, now: datetime) -> None:
    for event in outcome.events:
        work.events.append(
            NewEvent(
                domain.organization_id,
                type=event.type,
                subject_id=domain.id,
                dedup_key=f"{event.type}:{domain.id}:{now.isoformat()}",
                payload=event.payload,
            )
        )


def _defeat(uow: UnitOfWorkFactory, rivals: Sequence[Domain], now: datetime) -> None:
    """Fail the other organisations' claims of a name that just verified, telling each.

    If this fails the claims fail anyway, at their own next check."""
    if not rivals:
        return
    with uow(None) as work:
        for rival in rivals:
            outcome = defeated(rival, now)
            work.domains.save_verification(rival.id, outcome)
            _announce(work, rival, outcome, now)


def verify_domain(
    uow: UnitOfWorkFactory,
    verifier: Verifier,
    clock: Clock,
    organization_id: UUID,
    domain_id: UUID,
) -> Verified:
    """Check one domain now (the API's "verify now")."""
    with uow(organization_id) as work:
        domain = work.domains.get(domain_id)
    if domain is None:
        raise NotFound("no such domain", field="domain_id")
    with ThreadPoolExecutor(max_workers=len(domain.records) or 1) as pool:
        seen = _observe(domain, verifier, pool)
    recorded = _record(uow, verifier, clock, domain, seen)
    if recorded is None:
        raise NotFound("no such domain", field="domain_id")
    return recorded


def verify_due(
    uow: UnitOfWorkFactory,
    verifier: Verifier,
    clock: Clock,
    *,
    limit: int = 50,
    concurrency: int = 16,
) -> Sequence[Verified]:
    """Check the domains whose turn has come, of every organisation.

    Claiming leases the domains (so overlapping runs do not share them); DNS and SES are
    asked concurrently, each lookup bounded by the resolver's timeout, so one slow answer
    delays only its own domain; the results are then stored one domain at a time, and a
    domain that fails (SES or the database refusing) fails alone.
    """
    now = clock.now()
    with uow(None) as work:
        due = work.domains.claim_due(now, limit, now + LEASE)
    if not due:
        _reconcile_receipt(uow, verifier)
        return []
    # Two pools: a domain's task waits on its lookups, which must not queue behind it.
    with (
        ThreadPoolExecutor(max_workers=concurrency) as lookups,
        ThreadPoolExecutor(max_workers=max(1, concurrency // 2)) as domains,
    ):
        observations = [domains.submit(_observe, d, verifier, lookups) for d in due]
        recorded = []
        for domain, observation in zip(due, observations, strict=True):
            try:
                stored = _record(uow, verifier, clock, domain, observation.result())
            except DomainError:
                # Its lease runs out and a later run tries again; the others go on.
                _log.exception("domain not verified this run", extra={"domain": domain.name})
            else:
                if stored is not None:
                    recorded.append(stored)
    _reconcile_receipt(uow, verifier)
    return recorded


def _reconcile_receipt(uow: UnitOfWorkFactory, verifier: Verifier) -> None:
    """Put the receipt rule's recipients back in step with every domain's state (a deploy that
    changes the rule writes its configured list back)."""
    if verifier.receipt is None:
        return
    with uow(None) as work:
        states = work.domains.receiving_states()
    verifier.receipt.reconcile(
        [name for name, receiving in states if receiving],
        [name for name, receiving in states if not receiving],
    )
