"""Delivery tracking's pure rules: which event decides a recipient's state, and what a
message's status says of its recipients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailman.domain.delivery import RecipientStatus as R
from mailman.domain.delivery import decider, decides, summarise
from mailman.domain.models import DeliveryStatus as S

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_complaint_after_a_delivery_decides_the_state() -> None:
    delivered = decider(R.DELIVERED, T0, "a")
    complained = decider(R.COMPLAINED, T0 - timedelta(hours=1), "b")

    assert decides(complained, delivered)
    assert not decides(delivered, complained)


def test_a_delivery_never_overrides_a_hard_bounce_whatever_its_time() -> None:
    bounced = decider(R.BOUNCED, T0, "a", bounce_type="Permanent")
    later_delivery = decider(R.DELIVERED, T0 + timedelta(days=1), "b")

    assert not decides(later_delivery, bounced)
    assert decides(bounced, later_delivery)


@pytest.mark.parametrize("soft", ["Transient", "Undetermined", None])
def test_a_soft_bounce_after_a_delivery_leaves_it_delivered(soft: str | None) -> None:
    delivered = decider(R.DELIVERED, T0, "a")
    out_of_office = decider(R.BOUNCED, T0 + timedelta(minutes=1), "b", bounce_type=soft)

    assert not decides(out_of_office, delivered)
    assert decides(out_of_office, decider(R.SENT, T0, "c"))


def test_of_two_events_of_one_rank_the_later_then_the_greater_id_decides() -> None:
    first = decider(R.BOUNCED, T0, "z", bounce_type="Permanent")
    later = decider(R.BOUNCED, T0 + timedelta(seconds=1), "a", bounce_type="Permanent")
    same_time = decider(R.BOUNCED, T0, "zz", bounce_type="Permanent")

    assert decides(later, first)
    assert decides(same_time, first)
    assert not decides(first, same_time)
    assert decides(first, None)


@pytest.mark.parametrize(
    ("recipients", "expected"),
    [
        ([R.DELIVERED, R.DELIVERED], S.DELIVERED),
        ([R.DELIVERED, R.SENT], S.SENT),
        ([R.DELIVERED, R.BOUNCED], S.PARTIALLY_DELIVERED),
        ([R.DELIVERED, R.SUPPRESSED], S.PARTIALLY_DELIVERED),
        ([R.BOUNCED, R.BOUNCED], S.BOUNCED),
        ([R.BOUNCED, R.SUPPRESSED], S.BOUNCED),
        ([R.BOUNCED, R.REJECTED], S.BOUNCED),
        ([R.DELIVERED, R.COMPLAINED], S.COMPLAINED),
        ([R.REJECTED], S.REJECTED),
        ([R.FAILED, R.FAILED], S.FAILED),
        ([R.SENT], S.SENT),
    ],
)
def test_a_sent_message_summarises_its_recipients(recipients: list[R], expected: S) -> None:
    assert summarise(recipients, S.SENT) is expected


def test_a_summary_moves_on_as_late_reports_come_in() -> None:
    assert summarise([R.COMPLAINED, R.DELIVERED], S.DELIVERED) is S.COMPLAINED
    assert summarise([R.BOUNCED, R.DELIVERED], S.DELIVERED) is S.PARTIALLY_DELIVERED


@pytest.mark.parametrize("current", [S.PENDING, S.SENDING, S.SCHEDULED, S.CANCELLED, S.DRAFT])
def test_a_message_not_yet_sent_keeps_its_status(current: S) -> None:
    assert summarise([R.DELIVERED], current) is current


def test_a_message_of_suppressed_recipients_only_keeps_its_status() -> None:
    assert summarise([R.SUPPRESSED], S.SENT) is S.SENT
