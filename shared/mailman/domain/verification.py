"""What a verification pass concludes about a domain, and when to look again. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mailman.domain.dns_records import RecordCheck, RecordPurpose, RecordStatus
from mailman.domain.models import SES_SUCCESS, Domain, DomainRecordState, DomainStatus

SES_FAILED = "FAILED"
VERIFIED_ELSEWHERE = "another account verified this domain first"
"""Why a claim fails when another organisation's claim of its name is verified: all they
share is the name, so nothing more is said."""

# How long to wait before the next check of a domain still pending, by how long it has been
# pending: eager while someone is likely publishing records, then less and less often. The
# first step is shorter than the schedule's one-minute rate, so every run checks a new domain.
_PENDING_BACKOFF: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(minutes=10), timedelta(seconds=30)),
    (timedelta(hours=1), timedelta(minutes=5)),
    (timedelta(hours=24), timedelta(minutes=15)),
    (timedelta(hours=72), timedelta(hours=1)),
)
SETTLED_INTERVAL = timedelta(hours=6)
"""Verified and failed domains are looked at this often (to catch DNS drift)."""


@dataclass(frozen=True)
class SesIdentity:
    """SES's view of a domain identity."""

    dkim_tokens: tuple[str, ...]
    dkim_status: str | None
    mail_from_status: str | None = None


def next_check_delay(status: DomainStatus, pending_for: timedelta) -> timedelta:
    if status is not DomainStatus.PENDING:
        return SETTLED_INTERVAL
    for limit, delay in _PENDING_BACKOFF:
        if pending_for < limit:
            return delay
    return SETTLED_INTERVAL


@dataclass(frozen=True)
class DomainEvent:
    type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Assessment:
    status: DomainStatus
    records: tuple[DomainRecordState, ...]
    changes: dict[str, Any]
    """Column values of the domain to store."""
    events: tuple[DomainEvent, ...] = field(default=())


def _new_state(
    previous: DomainRecordState, result: RecordCheck, now: datetime
) -> DomainRecordState:
    if result.status is RecordStatus.UNKNOWN and previous.checked_at is not None:
        # A failed lookup says nothing new: keep what the last good lookup found.
        return previous.model_copy(update={"detail": result.detail, "checked_at": now})
    return previous.model_copy(
        update={
            "status": result.status,
            "found": result.found,
            "detail": result.detail,
            "checked_at": now,
        }
    )


def _all_verified(records: Sequence[DomainRecordState], *purposes: RecordPurpose) -> bool:
    chosen = [r for r in records if r.purpose in purposes]
    return bool(chosen) and all(r.status is RecordStatus.VERIFIED for r in chosen)


_OWNERSHIP = RecordPurpose.OWNERSHIP
_FLAGS = ("dkim_verified", "mx_verified", "spf_verified", "dmarc_verified")


def _owned(records: Sequence[DomainRecordState], *, held: bool) -> bool:
    """The claim proved control of the name with its own ownership record. A domain verified
    before ownership records existed has none: it held its name alone then, and keeps it
    while it stays verified (`held`); once it falls out, the shared DKIM and MX records that
    anyone who now holds the name publishes could otherwise verify it again."""
    proofs = [r for r in records if r.purpose is _OWNERSHIP]
    if not proofs:
        return held
    return all(r.status is RecordStatus.VERIFIED for r in proofs)


def _lost(records: Sequence[DomainRecordState]) -> tuple[DomainRecordState, ...]:
    """The records of a claim another organisation's claim beat: its ownership record is
    wrong, whatever DNS holds, and says why."""
    return tuple(
        r.model_copy(update={"status": RecordStatus.WRONG, "detail": VERIFIED_ELSEWHERE})
        if r.purpose is _OWNERSHIP
        else r
        for r in records
    )


def _failed_event(domain: Domain, reason: str) -> DomainEvent:
    return DomainEvent(
        "domain.verification_failed",
        {"domain_id": str(domain.id), "domain": domain.name, "reason": reason},
    )


def defeated(domain: Domain, now: datetime) -> Assessment:
    """What becomes of a claim when another organisation's claim of its name verifies.

    Nothing is looked up: the claim fails at once (announced if it had not failed already)
    and is looked at again only as often as settled domains are.
    """
    changes: dict[str, Any] = {
        **dict.fromkeys(_FLAGS, False),
        "status": DomainStatus.FAILED.value,
        "next_check_at": now + SETTLED_INTERVAL,
    }
    events = (
        () if domain.status is DomainStatus.FAILED else (_failed_event(domain, VERIFIED_ELSEWHERE),)
    )
    return Assessment(DomainStatus.FAILED, _lost(domain.records), changes, events)


def _events(
    domain: Domain,
    records: tuple[DomainRecordState, ...],
    status: DomainStatus,
    *,
    identity: SesIdentity | None,
    verified_elsewhere: bool,
) -> tuple[DomainEvent, ...]:
    """What an assessment announces: verified, failed (and why), or records that changed."""
    events: list[DomainEvent] = []
    subject = {"domain_id": str(domain.id), "domain": domain.name}
    if status is DomainStatus.VERIFIED and domain.status is not DomainStatus.VERIFIED:
        events.append(DomainEvent("domain.verified", subject))
    if status is DomainStatus.FAILED and domain.status is not DomainStatus.FAILED:
        if verified_elsewhere:
            reason = VERIFIED_ELSEWHERE
        elif identity is None:
            reason = "the SES identity no longer exists"
        else:
            reason = "SES could not find the DKIM records within 72 hours"
        events.append(_failed_event(domain, reason))
    changed = [
        {"type": new.type, "name": new.name, "was": old.status.value, "now": new.status.value}
        for old, new in zip(domain.records, records, strict=True)
        if old.checked_at is not None and (old.status, old.found) != (new.status, new.found)
    ]
    if changed and domain.status is DomainStatus.VERIFIED:
        events.append(DomainEvent("domain.dns_changed", {**subject, "records": changed}))
    return tuple(events)


def assess(
    domain: Domain,
    identity: SesIdentity | None,
    results: Sequence[RecordCheck],
    now: datetime,
    *,
    verified_elsewhere: bool = False,
) -> Assessment:
    """Combine SES's view and the DNS answers (one per record, in order) into the new state.

    A claim sends and receives only once its ownership record proves it the owner's: until
    then its flags stay off, whatever the shared DKIM and MX records say. When another
    organisation's claim of the name is verified (`verified_elsewhere`), the claim fails.
    """
    records = tuple(
        _new_state(previous, result, now)
        for previous, result in zip(domain.records, results, strict=True)
    )
    if verified_elsewhere:
        records = _lost(records)
    owned = _owned(records, held=domain.status is DomainStatus.VERIFIED) and not verified_elsewhere
    flags = {
        "dkim_verified": owned and _all_verified(records, RecordPurpose.DKIM),
        "mx_verified": owned and _all_verified(records, RecordPurpose.RECEIVING_MX),
        "spf_verified": owned
        and _all_verified(records, RecordPurpose.MAIL_FROM_MX, RecordPurpose.MAIL_FROM_SPF),
        "dmarc_verified": owned and _all_verified(records, RecordPurpose.DMARC),
    }
    dkim_status = identity.dkim_status if identity else None
    if verified_elsewhere or identity is None or dkim_status == SES_FAILED:
        status = DomainStatus.FAILED
    elif all(flags.values()) and dkim_status == SES_SUCCESS:
        status = DomainStatus.VERIFIED
    else:
        status = DomainStatus.PENDING

    events = _events(
        domain, records, status, identity=identity, verified_elsewhere=verified_elsewhere
    )
    pending_since = domain.pending_since or domain.created_at
    if domain.status is DomainStatus.VERIFIED and status is not DomainStatus.VERIFIED:
        pending_since = now
    verified_at = domain.verified_at
    if status is DomainStatus.VERIFIED and domain.status is not DomainStatus.VERIFIED:
        verified_at = now
    changes: dict[str, Any] = {
        **flags,
        "status": status.value,
        "ses_dkim_status": dkim_status,
        "ses_mail_from_status": identity.mail_from_status if identity else None,
        "pending_since": pending_since,
        "verified_at": verified_at,
        "last_checked_at": now,
        "next_check_at": now + next_check_delay(status, now - pending_since),
    }
    return Assessment(status=status, records=records, changes=changes, events=events)
