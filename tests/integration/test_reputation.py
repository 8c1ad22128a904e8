"""Sending reputation on PostgreSQL and through the API handler: the hourly counts' windows
and sums, the stats routes, the brake pausing a domain (a send refused, queued mail held)
and the resume that lets it send again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from mailman.composition import Container
from mailman.domain.reputation import (
    BrakeFigures,
    BrakeSettings,
    DeliveryCounts,
    HourlyCounts,
    hour_of,
)
from mailman.services import reputation

from .conftest import Tenant
from .sending_helpers import OutboundPipeline, outbox, sent_mail

__all__ = ["outbox"]

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _ids(outbox: OutboundPipeline) -> tuple[UUID, UUID]:
    """(domain, inbox) of the support inbox."""
    [(domain_id,)] = outbox.rows("SELECT domain_id FROM inboxes WHERE id = %s", outbox.box.support)
    return domain_id, outbox.box.support


def _fill(outbox: OutboundPipeline, hour: datetime, inbox_id: UUID | None = None, **n: int) -> None:
    """Write the inbox's counts for the hour as the telemetry function would (SQL, here)."""
    inbox = inbox_id or outbox.box.support
    columns = ", ".join(n)
    with psycopg.connect(outbox.box.database_url, autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO delivery_counts (organization_id, domain_id, inbox_id, hour, {columns}) "  # noqa: S608
            f"SELECT organization_id, domain_id, id, %s, {', '.join(['%s'] * len(n))} "
            "FROM inboxes WHERE id = %s",
            [hour, *n.values(), inbox],
        )


def _review(container: Container, domain_id: UUID, settings: BrakeSettings | None = None) -> bool:
    with container.uow(None) as work:
        return reputation.review(
            work, domain_id, settings or container.settings.brake, datetime.now(UTC)
        )


def _events(tenant: Tenant, kind: str) -> list[dict[str, Any]]:
    answer = tenant.api.get("/events").json()
    return [e["data"] for e in answer["data"] if e["type"] == kind]


def _send(outbox: OutboundPipeline) -> Any:
    return outbox.tenant.api.post(
        f"/inboxes/{outbox.box.support}/messages",
        {"to": ["jane@customer.example"], "subject": "Hello", "text": "Hi"},
    )


# The counts on PostgreSQL


def test_counts_add_up_per_hour_and_sum_over_each_window(
    outbox: OutboundPipeline, container: Container
) -> None:
    domain_id, inbox_id = _ids(outbox)
    tenant = outbox.tenant.organization_id

    def entry(hour: datetime, **n: int) -> HourlyCounts:
        return HourlyCounts(tenant, domain_id, inbox_id, hour, DeliveryCounts(**n))

    with container.uow(tenant) as work:
        work.delivery_counts.add(
            [
                entry(T0 + HOUR, sent=1000),
                entry(T0, sent=1, hard_bounced=1),
                entry(T0, sent=2, complained=1, delayed=4),
                entry(T0 - 23 * HOUR, sent=8, soft_bounced=2),
                entry(T0 - 24 * HOUR, sent=16, delivered=16),
            ]
        )
    since = [T0 - 23 * HOUR, T0 - 24 * HOUR, T0 + 2 * HOUR]

    with container.uow(tenant) as work:
        by_domain = work.delivery_counts.for_domain(domain_id, since, T0 + timedelta(minutes=59))
        by_inbox = work.delivery_counts.for_inbox(inbox_id, since[:1], T0)

    last_day = DeliveryCounts(
        sent=11, hard_bounced=1, soft_bounced=2, complained=1, delayed=4, delivered=0
    )
    assert by_domain == [
        last_day,
        last_day + DeliveryCounts(sent=16, delivered=16),
        DeliveryCounts(),
    ]
    assert by_inbox == [last_day]


def test_another_organisation_reads_no_counts_of_ours(
    outbox: OutboundPipeline, container: Container, other_tenant: Tenant
) -> None:
    domain_id, inbox_id = _ids(outbox)
    _fill(outbox, T0, sent=5)

    with container.uow(other_tenant.organization_id) as work:
        theirs = work.delivery_counts.for_domain(domain_id, [T0], T0)
        by_inbox = work.delivery_counts.for_inbox(inbox_id, [T0], T0)
    with container.uow(None) as work:
        system = work.delivery_counts.for_domain(domain_id, [T0], T0)

    assert theirs == by_inbox == [DeliveryCounts()]
    assert system == [DeliveryCounts(sent=5)]


def test_a_domain_is_paused_once_and_resumed_once(
    outbox: OutboundPipeline, container: Container
) -> None:
    domain_id, _ = _ids(outbox)
    tenant = outbox.tenant.organization_id
    paused_on = BrakeFigures(
        since=T0,
        until=T0,
        sent=100,
        hard_bounced=10,
        complained=0,
        bounce_rate=0.1,
        complaint_rate=0.0,
        bounce_threshold=0.05,
        complaint_threshold=0.001,
        min_sent=100,
        tripped=("bounce",),
    )

    with container.uow(tenant) as work:
        first = work.sending_brake.pause(domain_id, T0, "bounces", paused_on)
        again = work.sending_brake.pause(domain_id, T0 + HOUR, "more", paused_on)
        paused = work.domains.get(domain_id)
    with container.uow(tenant) as work:
        resumed = work.sending_brake.resume(domain_id, T0 + 2 * HOUR)
        resumed_again = work.sending_brake.resume(domain_id, T0 + 3 * HOUR)
        after = work.domains.get(domain_id)

    assert (first, again, resumed, resumed_again) == (True, False, True, False)
    assert paused is not None
    assert after is not None
    assert (paused.sending_paused_at, paused.sending_paused_reason) == (T0, "bounces")
    assert paused.sending_paused_figures == paused_on
    assert not after.sending_paused
    assert after.sending_paused_figures is None
    assert after.sending_resumed_at == T0 + 2 * HOUR


# Through the API


def test_stats_answer_each_window_with_rates_beside_ses_levels(
    outbox: OutboundPipeline, container: Container
) -> None:
    domain_id, inbox_id = _ids(outbox)
    sales = outbox.tenant.api.post(
        "/inboxes", {"domain_id": str(domain_id), "local_part": "sales"}
    ).json()
    now = hour_of(datetime.now(UTC))
    _fill(outbox, now, sent=100, delivered=90, hard_bounced=6, soft_bounced=2, complained=1)
    _fill(outbox, now - 2 * HOUR, UUID(sales["id"]), sent=100, delivered=100, rejected=1)
    _fill(outbox, now - timedelta(days=3), sent=800, delivered=800, delayed=5)

    domain = outbox.tenant.api.get(f"/domains/{domain_id}/stats")
    inbox = outbox.tenant.api.get(f"/inboxes/{inbox_id}/stats")

    assert domain.status == 200, domain.json()
    body = domain.json()
    assert body["domain_id"] == str(domain_id)
    day = body["last_24h"]
    assert {
        k: day[k] for k in ("sent", "delivered", "bounced", "hard_bounced", "soft_bounced")
    } == {
        "sent": 200,
        "delivered": 190,
        "bounced": 8,
        "hard_bounced": 6,
        "soft_bounced": 2,
    }
    assert (day["complained"], day["rejected"], day["delayed"]) == (1, 1, 0)
    assert day["bounce_rate"] == {"value": 0.03, "warning": 0.05, "at_risk": 0.1, "verdict": "ok"}
    assert day["complaint_rate"] == {
        "value": 0.005,
        "warning": 0.001,
        "at_risk": 0.005,
        "verdict": "at_risk",
    }
    assert (body["last_7d"]["sent"], body["last_30d"]["delayed"]) == (1000, 5)
    assert body["last_7d"]["bounce_rate"]["value"] == pytest.approx(0.006)
    assert inbox.status == 200, inbox.json()
    assert inbox.json()["inbox_id"] == str(inbox_id)
    assert (inbox.json()["last_24h"]["sent"], inbox.json()["last_7d"]["sent"]) == (100, 900)


def test_stats_and_resume_of_another_organisations_domain_are_not_found(
    outbox: OutboundPipeline, container: Container, other_tenant: Tenant
) -> None:
    domain_id, inbox_id = _ids(outbox)
    _fill(outbox, hour_of(datetime.now(UTC)), sent=100, hard_bounced=50)
    _review(container, domain_id)

    answers = [
        other_tenant.api.get(f"/domains/{domain_id}/stats"),
        other_tenant.api.get(f"/inboxes/{inbox_id}/stats"),
        other_tenant.api.post(f"/domains/{domain_id}/resume-sending", {"reason": "mine"}),
    ]

    assert [a.status for a in answers] == [404, 404, 404]
    assert outbox.tenant.api.get(f"/domains/{domain_id}").json()["sending"]["paused"] is True


def test_a_paused_domain_refuses_sends_until_it_is_resumed(
    outbox: OutboundPipeline, container: Container
) -> None:
    domain_id, _ = _ids(outbox)
    api = outbox.tenant.api
    _fill(outbox, hour_of(datetime.now(UTC)), sent=100, delivered=94, hard_bounced=6)
    assert api.get(f"/domains/{domain_id}").json()["sending"]["paused"] is False

    assert _review(container, domain_id) is True
    assert _review(container, domain_id) is False
    view = api.get(f"/domains/{domain_id}").json()["sending"]
    refused = _send(outbox)

    assert view["paused"] is True
    assert view["figures"]["bounce_rate"] == 0.06
    assert view["figures"]["tripped"] == ["bounce"]
    assert view["reason"].startswith("bounce rate 6.00%")
    assert refused.status == 409, refused.json()
    error = refused.json()["error"]
    assert error["type"] == "sending_paused"
    assert error["details"]["reason"] == view["reason"]
    assert error["details"]["figures"] == view["figures"]
    [paused_event] = _events(outbox.tenant, "domain.sending_paused")
    assert paused_event["figures"] == view["figures"]

    missing = api.post(f"/domains/{domain_id}/resume-sending", {})
    blank = api.post(f"/domains/{domain_id}/resume-sending", {"reason": ""})
    resumed = api.post(f"/domains/{domain_id}/resume-sending", {"reason": "list cleaned"})
    again = api.post(f"/domains/{domain_id}/resume-sending", {"reason": "list cleaned"})
    sent = _send(outbox)

    assert (missing.status, missing.json()["error"]["field"]) == (400, "reason")
    assert (blank.status, blank.json()["error"]["field"]) == (400, "reason")
    assert resumed.status == 200, resumed.json()
    sending = resumed.json()["sending"]
    assert (sending["paused"], sending["reason"], sending["figures"]) == (False, None, None)
    assert sending["resumed_at"] is not None
    assert again.status == 409
    assert sent.status == 202, sent.json()
    [resumed_event] = _events(outbox.tenant, "domain.sending_resumed")
    assert resumed_event["reason"] == "list cleaned"
    assert _review(container, domain_id) is False  # the hour of the resume is not read


def test_mail_queued_before_the_pause_waits_and_goes_after_the_resume(
    outbox: OutboundPipeline, container: Container
) -> None:
    domain_id, _ = _ids(outbox)
    queued = _send(outbox).json()
    _fill(outbox, hour_of(datetime.now(UTC)), sent=100, complained=3)
    assert _review(container, domain_id) is True

    held = outbox.run()

    assert held == {"batchItemFailures": []}
    assert sent_mail() == []
    assert outbox.status(queued["id"]) == "pending"
    assert outbox.dispatch()["queued"] == 0  # held a moment ago: not queued again yet

    outbox.tenant.api.post(f"/domains/{domain_id}/resume-sending", {"reason": "checked"})
    dispatched = outbox.dispatch()
    outbox.run()

    assert dispatched["queued"] == 1
    assert len(sent_mail()) == 1
    assert outbox.status(queued["id"]) == "sent"
