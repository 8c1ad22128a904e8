"""Sending reputation against the in-memory store: the stats' windows, rates and verdicts,
the brake's rule (minimum volume, thresholds reached exactly, the window after a resume, one
event per pause), the resume, and what a paused domain's mail meets (refused sends, held
mail)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError as PydanticValidationError

from mailman.config import Settings
from mailman.domain.errors import Conflict, NotFound, SendingPaused, ValidationError
from mailman.domain.models import DeliveryStatus, Inbox
from mailman.domain.reputation import (
    BrakeSettings,
    DeliveryCounts,
    HourlyCounts,
    Verdict,
    WindowStats,
)
from mailman.services import inboxes, reputation
from mailman.services.sending import (
    Compose,
    DeliveryJob,
    Outbound,
    SendOutcome,
    create_draft,
    deliver,
    forward,
    reply,
    send_draft,
)

from .world import NOW, World, add_domain

HOUR = timedelta(hours=1)
BRAKE = BrakeSettings()


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[list[str]] = []

    def send(self, raw: bytes, *, destinations: list[str], tags: dict[str, str]) -> str:
        self.sent.append(destinations)
        return f"ses-{len(self.sent)}"


def fill(world: World, at: datetime, inbox: Inbox | None = None, **counts: int) -> None:
    """Count what the inbox's (the support inbox's) mail came to in the hour `at` starts."""
    box = inbox or world.inbox
    with world.uow(world.organization_id) as work:
        work.delivery_counts.add(
            [HourlyCounts(box.organization_id, box.domain_id, box.id, at, DeliveryCounts(**counts))]
        )


def domain_stats(world: World, domain_id: UUID | None = None) -> dict[str, WindowStats]:
    return reputation.domain_stats(
        world.uow, world.clock, world.organization_id, domain_id or world.domain.id
    )


def review(world: World, settings: BrakeSettings = BRAKE, domain_id: UUID | None = None) -> bool:
    with world.uow(None) as work:
        return reputation.review(work, domain_id or world.domain.id, settings, world.clock.now())


def resume(world: World, reason: str = "list cleaned") -> Any:
    return reputation.resume_sending(
        world.uow, world.clock, world.organization_id, world.domain.id, reason
    )


def events(world: World, kind: str) -> list[dict[str, Any]]:
    return [e.event.payload for e in world.tables.events if e.event.type == kind]


def outbound(world: World, mailer: RecordingMailer) -> Outbound:
    return Outbound(world.uow, world.blobs, mailer, world.clock, "us-east-1")


# The stats


def test_each_window_holds_the_hours_up_to_the_present_one(world: World) -> None:
    fill(world, NOW + HOUR, sent=1000)  # not yet: no window holds it
    fill(world, NOW, sent=1)
    fill(world, NOW - 23 * HOUR, sent=2)
    fill(world, NOW - 24 * HOUR, sent=4)
    fill(world, NOW - timedelta(days=7) + HOUR, sent=8)
    fill(world, NOW - timedelta(days=7), sent=16)
    fill(world, NOW - timedelta(days=30) + HOUR, sent=32)
    fill(world, NOW - timedelta(days=30), sent=64)
    world.clock.advance(timedelta(minutes=40))

    stats = domain_stats(world)

    assert {name: w.counts.sent for name, w in stats.items()} == {
        "last_24h": 1 + 2,
        "last_7d": 1 + 2 + 4 + 8,
        "last_30d": 1 + 2 + 4 + 8 + 16 + 32,
    }
    assert stats["last_24h"].since == NOW - 23 * HOUR
    assert stats["last_24h"].until == NOW + timedelta(minutes=40)


def test_a_domain_counts_all_its_inboxes_and_an_inbox_its_own(world: World) -> None:
    sales = world.add_inbox("sales")
    fill(world, NOW, sent=10, delivered=9, hard_bounced=1)
    fill(world, NOW, sales, sent=5, soft_bounced=2, complained=1, rejected=1, delayed=3)

    domain = domain_stats(world)["last_24h"].counts
    inbox = reputation.inbox_stats(world.uow, world.clock, world.organization_id, sales.id)

    assert domain == DeliveryCounts(
        sent=15, delivered=9, hard_bounced=1, soft_bounced=2, complained=1, rejected=1, delayed=3
    )
    assert domain.bounced == 3
    assert inbox["last_24h"].counts == DeliveryCounts(
        sent=5, soft_bounced=2, complained=1, rejected=1, delayed=3
    )


def test_counts_of_one_hour_add_up(world: World) -> None:
    fill(world, NOW, sent=3, hard_bounced=1)
    fill(world, NOW, sent=4, complained=2)

    assert domain_stats(world)["last_24h"].counts == DeliveryCounts(
        sent=7, hard_bounced=1, complained=2
    )


def test_the_bounce_rate_counts_hard_bounces_out_of_the_mail_sent(world: World) -> None:
    fill(world, NOW, sent=200, hard_bounced=10, soft_bounced=50, complained=1)

    window = domain_stats(world)["last_24h"]

    assert window.bounce_rate.value == pytest.approx(0.05)
    assert window.complaint_rate.value == pytest.approx(0.005)
    assert (window.bounce_rate.verdict, window.complaint_rate.verdict) == (
        Verdict.WARNING,
        Verdict.AT_RISK,
    )


@pytest.mark.parametrize(
    ("hard_bounced", "complained", "bounce", "complaint"),
    [
        (0, 0, Verdict.OK, Verdict.OK),
        (499, 9, Verdict.OK, Verdict.OK),
        (500, 10, Verdict.WARNING, Verdict.WARNING),
        (999, 49, Verdict.WARNING, Verdict.WARNING),
        (1000, 50, Verdict.AT_RISK, Verdict.AT_RISK),
    ],
)
def test_verdicts_change_at_ses_review_levels(
    world: World, hard_bounced: int, complained: int, bounce: Verdict, complaint: Verdict
) -> None:
    fill(world, NOW, sent=10_000, hard_bounced=hard_bounced, complained=complained)

    window = domain_stats(world)["last_24h"]

    assert (window.bounce_rate.verdict, window.complaint_rate.verdict) == (bounce, complaint)
    assert (window.bounce_rate.levels.warning, window.bounce_rate.levels.at_risk) == (0.05, 0.10)
    assert (window.complaint_rate.levels.warning, window.complaint_rate.levels.at_risk) == (
        0.001,
        0.005,
    )


def test_with_nothing_sent_there_is_no_rate_and_nothing_wrong(world: World) -> None:
    fill(world, NOW, delivered=3, hard_bounced=2)

    window = domain_stats(world)["last_24h"]

    assert (window.bounce_rate.value, window.bounce_rate.verdict) == (None, Verdict.OK)
    assert window.complaint_rate.value is None


def test_stats_of_another_organisation_are_not_found(world: World) -> None:
    other = world.add_organization()
    theirs = add_domain(world.uow, other, "globex.example")

    with pytest.raises(NotFound) as domain_error:
        domain_stats(world, theirs.id)
    with pytest.raises(NotFound) as inbox_error:
        reputation.inbox_stats(world.uow, world.clock, other, world.inbox.id)

    assert (domain_error.value.field, inbox_error.value.field) == ("domain_id", "inbox_id")


# The brake


def test_the_brake_does_not_judge_less_mail_than_its_minimum(world: World) -> None:
    fill(world, NOW, sent=99, hard_bounced=50, complained=50)

    assert review(world) is False
    assert domain_stats(world)["last_24h"].counts.sent == 99
    assert not world.tables.domains[world.domain.id].sending_paused


@pytest.mark.parametrize(
    ("hard_bounced", "complained", "paused"),
    [(4, 0, False), (5, 0, True), (0, 0, False), (0, 3, True)],
)
def test_the_brake_pauses_when_a_rate_reaches_its_threshold(
    world: World, hard_bounced: int, complained: int, paused: bool
) -> None:
    fill(world, NOW, sent=100, hard_bounced=hard_bounced, complained=complained)
    settings = BrakeSettings(bounce_rate=0.05, complaint_rate=0.01, min_sent=100)

    assert review(world, settings) is paused
    assert world.tables.domains[world.domain.id].sending_paused is paused


@pytest.mark.parametrize(
    ("hard_bounced", "complained", "paused"),
    [(2, 0, False), (3, 0, True), (0, 2, False), (0, 3, True)],
)
def test_a_rate_trips_the_brake_only_on_its_minimum_of_events(
    world: World, hard_bounced: int, complained: int, paused: bool
) -> None:
    # 2 of 20 is 10% bounced; 1 of 100 already 1% complained: both past their thresholds.
    fill(world, NOW, sent=20, hard_bounced=hard_bounced, complained=complained)
    settings = BrakeSettings(bounce_rate=0.05, complaint_rate=0.001, min_sent=20, min_events=3)

    assert review(world, settings) is paused


def test_a_single_complaint_of_a_few_hundred_recipients_does_not_pause(world: World) -> None:
    fill(world, NOW, sent=500, complained=1)

    assert review(world) is False
    assert not world.tables.domains[world.domain.id].sending_paused


def test_the_brake_reads_its_window_only(world: World) -> None:
    fill(world, NOW - 24 * HOUR, sent=1000, hard_bounced=1000)
    fill(world, NOW - 23 * HOUR, sent=1000)

    assert review(world) is False
    assert review(world, BrakeSettings(window=timedelta(hours=25))) is True


def test_a_pause_keeps_its_reason_and_figures_and_is_logged_once(world: World) -> None:
    fill(world, NOW - 2 * HOUR, sent=150, hard_bounced=3)
    fill(world, NOW, sent=50, hard_bounced=7, complained=3)

    first, again = review(world), review(world)

    domain = world.tables.domains[world.domain.id]
    figures = domain.sending_paused_figures
    assert (first, again) == (True, False)
    assert domain.sending_paused_at == NOW
    assert figures is not None
    assert (figures.sent, figures.hard_bounced, figures.complained) == (200, 10, 3)
    assert figures.bounce_rate == pytest.approx(0.05)
    assert figures.tripped == ("bounce", "complaint")
    assert (figures.since, figures.until) == (NOW - 23 * HOUR, NOW)
    assert domain.sending_paused_reason is not None
    assert domain.sending_paused_reason == (
        "bounce rate 5.00% (hard bounces: 10) reached the threshold 5.00% and complaint rate "
        "1.50% (complaints: 3) reached the threshold 0.10%, of 200 recipients sent since "
        "2026-11-20T13:00:00+00:00"
    )
    [logged] = events(world, "domain.sending_paused")
    assert logged["reason"] == domain.sending_paused_reason
    assert logged["figures"]["sent"] == 200
    assert logged["domain"] == "example.com"


def test_each_pause_is_logged(world: World) -> None:
    fill(world, NOW, sent=100, complained=3)
    review(world)
    resume(world)
    world.clock.advance(HOUR)
    fill(world, world.clock.now(), sent=100, complained=3)

    assert review(world) is True
    assert len(events(world, "domain.sending_paused")) == 2


def test_after_a_resume_the_brake_reads_only_the_hours_after_it(world: World) -> None:
    fill(world, NOW, sent=100, hard_bounced=10)
    review(world)
    world.clock.advance(timedelta(minutes=30))
    resume(world)
    fill(world, NOW, sent=100)  # the hour of the resume: mostly mail from before it

    assert review(world) is False
    world.clock.advance(timedelta(minutes=30))
    fill(world, world.clock.now(), sent=99, hard_bounced=5)
    assert review(world) is False  # 99 sent since the resume: too few to judge
    fill(world, world.clock.now(), sent=1)
    assert review(world) is True
    figures = world.tables.domains[world.domain.id].sending_paused_figures
    assert figures is not None
    assert (figures.since, figures.sent) == (NOW + HOUR, 100)


def test_the_brake_pauses_one_domain_only(world: World) -> None:
    other = world.add_organization()
    theirs = add_domain(world.uow, other, "globex.example")
    ours = add_domain(world.uow, world.organization_id, "example.org")
    fill(world, NOW, sent=100, hard_bounced=100)

    assert review(world) is True
    assert review(world, domain_id=ours.id) is False
    assert review(world, domain_id=theirs.id) is False
    assert not world.tables.domains[ours.id].sending_paused
    assert not world.tables.domains[theirs.id].sending_paused


def test_a_deleted_domain_is_not_reviewed(world: World) -> None:
    fill(world, NOW, sent=100, hard_bounced=100)
    world.tables.deleted[world.domain.id] = NOW

    assert review(world) is False


# Resuming


def test_resume_lifts_the_pause_and_is_logged(world: World) -> None:
    fill(world, NOW, sent=100, complained=3)
    review(world)
    world.clock.advance(timedelta(minutes=5))

    resumed = resume(world, "  bad list removed  ")

    assert not resumed.sending_paused
    assert resumed.sending_paused_reason is None
    assert resumed.sending_paused_figures is None
    assert resumed.sending_resumed_at == NOW + timedelta(minutes=5)
    [logged] = events(world, "domain.sending_resumed")
    assert logged["reason"] == "bad list removed"
    assert logged["paused_at"] == NOW.isoformat()
    assert logged["figures"]["complained"] == 3


def test_resuming_a_domain_not_paused_is_a_conflict(world: World) -> None:
    with pytest.raises(Conflict, match="not paused"):
        resume(world)

    assert events(world, "domain.sending_resumed") == []


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_resume_needs_a_reason(world: World, reason: str) -> None:
    fill(world, NOW, sent=100, complained=3)
    review(world)

    with pytest.raises(ValidationError) as error:
        resume(world, reason)

    assert error.value.field == "reason"
    assert world.tables.domains[world.domain.id].sending_paused


def test_another_organisation_cannot_resume_a_domain(world: World) -> None:
    fill(world, NOW, sent=100, complained=3)
    review(world)
    other = world.add_organization()

    with pytest.raises(NotFound):
        reputation.resume_sending(world.uow, world.clock, other, world.domain.id, "mine now")

    assert world.tables.domains[world.domain.id].sending_paused


# A paused domain's mail


@pytest.fixture
def paused(world: World) -> World:
    fill(world, NOW, sent=100, hard_bounced=20)
    assert review(world)
    return world


def test_a_paused_domain_refuses_a_send_with_the_reason_and_figures(paused: World) -> None:
    with pytest.raises(SendingPaused) as error:
        paused.send()

    details = error.value.details
    assert details is not None
    assert details["domain"] == "example.com"
    assert details["paused_at"] == NOW.isoformat()
    assert details["reason"] == paused.tables.domains[paused.domain.id].sending_paused_reason
    assert details["figures"]["hard_bounced"] == 20  # type: ignore[index]
    assert "resume-sending" in error.value.message
    assert paused.tables.messages == {}


def test_a_paused_domain_refuses_replies_forwards_and_drafts(world: World) -> None:
    sent = world.send()
    draft = create_draft(
        world.sending,
        world.organization_id,
        world.inbox.id,
        Compose(to=("ann@customer.example",), text="Later"),
    )
    fill(world, NOW, sent=100, hard_bounced=20)
    review(world)
    org, env = world.organization_id, world.sending
    attempts = [
        lambda: reply(env, org, sent.id, Compose(text="Again"), everyone=False),
        lambda: forward(env, org, sent.id, Compose(to=("bob@customer.example",))),
        lambda: send_draft(env, org, draft.id),
        lambda: world.send(send_at=NOW + HOUR),
    ]

    for attempt in attempts:
        with pytest.raises(SendingPaused):
            attempt()

    assert len(world.tables.messages) == 2


def test_other_domains_send_while_one_is_paused(paused: World) -> None:
    other = paused.add_organization()
    theirs = add_domain(paused.uow, other, "globex.example")
    ours = add_domain(paused.uow, paused.organization_id, "example.org")
    for organization, domain in ((paused.organization_id, ours), (other, theirs)):
        box = inboxes.create_inbox(
            paused.uow, organization, domain_id=domain.id, local_part="support"
        )
        paused.inbox, paused.organization_id = box, organization

        assert paused.send().status == DeliveryStatus.PENDING


def test_mail_queued_before_the_pause_waits_and_goes_after_the_resume(world: World) -> None:
    mailer = RecordingMailer()
    message = world.send()
    fill(world, NOW, sent=100, hard_bounced=20)
    review(world)
    world.clock.advance(timedelta(minutes=1))

    held = deliver(outbound(world, mailer), DeliveryJob(world.organization_id, message.id))

    assert held.outcome == SendOutcome.HELD
    assert mailer.sent == []
    row = world.row(message.id)
    assert row.message.status == DeliveryStatus.PENDING
    assert row.message.queued_at == world.clock.now()
    assert world.dispatch().queued == 0  # queued a minute ago: not again yet

    resume(world)
    assert world.dispatch().queued == 1
    sent = deliver(outbound(world, mailer), DeliveryJob(world.organization_id, message.id))

    assert sent.outcome == SendOutcome.SENT
    assert mailer.sent == [["jane@customer.example"]]
    assert world.row(message.id).message.status == DeliveryStatus.SENT


# The settings


def test_the_brake_reads_its_thresholds_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRAKE_BOUNCE_RATE", "0.03")
    monkeypatch.setenv("BRAKE_COMPLAINT_RATE", "0.0008")
    monkeypatch.setenv("BRAKE_WINDOW_HOURS", "6")
    monkeypatch.setenv("BRAKE_MIN_SENT", "500")
    monkeypatch.setenv("BRAKE_MIN_EVENTS", "5")

    assert Settings().brake == BrakeSettings(
        bounce_rate=0.03,
        complaint_rate=0.0008,
        window=timedelta(hours=6),
        min_sent=500,
        min_events=5,
    )


def test_the_brake_defaults_to_ses_review_levels_over_a_day() -> None:
    assert Settings().brake == BrakeSettings(
        bounce_rate=0.05,
        complaint_rate=0.001,
        window=timedelta(hours=24),
        min_sent=100,
        min_events=3,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BRAKE_BOUNCE_RATE", "0"),
        ("BRAKE_COMPLAINT_RATE", "1.5"),
        ("BRAKE_MIN_SENT", "0"),
        ("BRAKE_MIN_EVENTS", "0"),
    ],
)
def test_a_brake_setting_out_of_range_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(PydanticValidationError, match=name.lower()):
        Settings()
