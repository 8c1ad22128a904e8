"""Sending reputation: a domain's or an inbox's delivery stats over the last day, week and
month beside SES's review levels; the brake, which pauses a domain's sending when its
bounce or complaint rate reaches its threshold (`mailman.domain.reputation.BrakeSettings`);
and the resume that lifts the pause.

The brake pauses one domain: every other domain, of its organisation or another, sends on.
While a domain is paused every send from its inboxes is refused (`Domain.require_sending`)
and mail already queued waits (the outbound function hands it back); the event log gets
`domain.sending_paused` once per pause and `domain.sending_resumed` once per resume.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from mailman.domain.errors import Conflict, NotFound, ValidationError
from mailman.domain.events import NewEvent
from mailman.domain.models import Domain
from mailman.domain.reputation import (
    MAX_REASON_LENGTH,
    STATS_WINDOWS,
    BrakeSettings,
    BrakeSubject,
    DeliveryCounts,
    WindowStats,
    assess,
    brake_since,
    pause_reason,
    window_since,
)
from mailman.ports import Clock, UnitOfWork, UnitOfWorkFactory

PAUSED = "domain.sending_paused"
RESUMED = "domain.sending_resumed"


def _windows(now: datetime) -> list[datetime]:
    return [window_since(now, length) for length in STATS_WINDOWS.values()]


def _stats(
    since: list[datetime], counts: list[DeliveryCounts], now: datetime
) -> dict[str, WindowStats]:
    return {
        name: WindowStats(start, now, found)
        for name, start, found in zip(STATS_WINDOWS, since, counts, strict=True)
    }


def domain_stats(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, domain_id: UUID
) -> dict[str, WindowStats]:
    """The domain's figures (all its inboxes') by window name (`STATS_WINDOWS`)."""
    now = clock.now()
    since = _windows(now)
    with uow(organization_id) as work:
        if work.domains.get(domain_id) is None:
            raise NotFound("no such domain", field="domain_id")
        counts = work.delivery_counts.for_domain(domain_id, since, now)
    return _stats(since, counts, now)


def inbox_stats(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, inbox_id: UUID
) -> dict[str, WindowStats]:
    """The inbox's figures by window name (`STATS_WINDOWS`)."""
    now = clock.now()
    since = _windows(now)
    with uow(organization_id) as work:
        if work.inboxes.get(inbox_id) is None:
            raise NotFound("no such inbox", field="inbox_id")
        counts = work.delivery_counts.for_inbox(inbox_id, since, now)
    return _stats(since, counts, now)


def review(work: UnitOfWork, domain_id: UUID, settings: BrakeSettings, now: datetime) -> bool:
    """Pause the domain's sending if its rates over the brake's window (begun no earlier than
    its last resume) reach a threshold on enough mail, appending `domain.sending_paused`;
    answer whether this review paused it (False too for a domain paused already, or gone)."""
    domain = work.domains.get(domain_id)
    if domain is None or domain.sending_paused:
        return False
    subject = BrakeSubject(
        domain.id, domain.organization_id, domain.name, domain.sending_resumed_at
    )
    return review_subject(work, subject, settings, now)


def review_subject(
    work: UnitOfWork, subject: BrakeSubject, settings: BrakeSettings, now: datetime
) -> bool:
    """`review` of a domain the caller read unpaused (the telemetry function, with the
    messages of a batch it counted, in its transaction): its counts are read, and it is
    paused only if still unpaused (of two reviews racing, one pauses)."""
    since = brake_since(now, settings, subject.resumed_at)
    [counts] = work.delivery_counts.for_domain(subject.domain_id, [since], now)
    figures = assess(WindowStats(since, now, counts), settings)
    if figures is None:
        return False
    reason = pause_reason(figures)
    if not work.sending_brake.pause(subject.domain_id, now, reason, figures):
        return False
    work.events.append(
        NewEvent(
            subject.organization_id,
            type=PAUSED,
            subject_id=subject.domain_id,
            dedup_key=f"{PAUSED}:{subject.domain_id}:{now.isoformat()}",
            payload={
                "domain_id": str(subject.domain_id),
                "domain": subject.name,
                "paused_at": now.isoformat(),
                "reason": reason,
                "figures": figures.model_dump(mode="json"),
            },
        )
    )
    return True


def resume_sending(
    uow: UnitOfWorkFactory, clock: Clock, organization_id: UUID, domain_id: UUID, reason: str
) -> Domain:
    """Lift the domain's pause, saying why (`reason`, kept in `domain.sending_resumed`): it
    sends again, and the brake reads only mail from after the resume. Conflict when its
    sending is not paused."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("say why sending may resume", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(f"is longer than {MAX_REASON_LENGTH} characters", field="reason")
    now = clock.now()
    with uow(organization_id) as work:
        domain = work.domains.get(domain_id)
        if domain is None:
            raise NotFound("no such domain", field="domain_id")
        if not domain.sending_paused or not work.sending_brake.resume(domain_id, now):
            raise Conflict(f"sending from {domain.name} is not paused")
        work.events.append(_resumed(domain, now, reason))
        resumed = work.domains.get(domain_id)
    assert resumed is not None
    return resumed


def _resumed(domain: Domain, now: datetime, reason: str) -> NewEvent:
    figures = domain.sending_paused_figures
    return NewEvent(
        domain.organization_id,
        type=RESUMED,
        subject_id=domain.id,
        dedup_key=f"{RESUMED}:{domain.id}:{now.isoformat()}",
        payload={
            "domain_id": str(domain.id),
            "domain": domain.name,
            "resumed_at": now.isoformat(),
            "reason": reason,
            "paused_at": domain.sending_paused_at.isoformat() if domain.sending_paused_at else None,
            "paused_reason": domain.sending_paused_reason,
            "figures": figures.model_dump(mode="json") if figures is not None else None,
        },
    )
