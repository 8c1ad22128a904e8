"""The telemetry function's fallback when some organisations' transactions of a batch fail:
the events of the organisations that committed are counted once and never recorded again;
only the failed ones are recorded alone."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from functions.telemetry import handler
from mailman.adapters.memory.clock import FixedClock
from mailman.domain.delivery import SesEvent, SesEventType
from mailman.domain.reputation import DeliveryCounts
from mailman.services.telemetry import PartlyRecorded, TrackedEvent, TrackingOutcome

from ..ses_events import ses_event


def _parsed(n: int) -> list[tuple[SQSRecord, SesEvent]]:
    return [
        (
            SQSRecord({"messageId": f"m-{k}", "body": "{}"}),
            ses_event(
                SesEventType.DELIVERY,
                ["jane@customer.example"],
                message_pk=uuid4(),
                organization_id=uuid4(),
            ),
        )
        for k in range(n)
    ]


def _done(name: str) -> TrackedEvent:
    return TrackedEvent(
        TrackingOutcome.RECORDED,
        domain_name=name,
        counts=DeliveryCounts(delivered=1),
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    recorded: list[Any] = []

    def batch(env: object, events: list[SesEvent]) -> list[TrackedEvent]:
        raise PartlyRecorded([_done("a.example"), None, _done("a.example")])

    def alone(env: object, event: SesEvent) -> TrackedEvent:
        recorded.append(event)
        if len(recorded) > 1:
            raise RuntimeError("still failing")
        return _done("b.example")

    monkeypatch.setattr(handler, "record_events", batch)
    monkeypatch.setattr(handler, "record_event", alone)
    telemetry = SimpleNamespace(clock=FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)))
    monkeypatch.setattr(handler, "container", lambda: SimpleNamespace(telemetry=telemetry))
    monkeypatch.setattr(handler, "count", lambda name, value=1: None)
    handler._by_domain.clear()
    return recorded


def test_only_the_failed_organisations_events_are_recorded_again(calls: list[Any]) -> None:
    parsed = _parsed(3)

    failed = handler._record(parsed)

    assert failed == []
    assert calls == [parsed[1][1]]
    delivered = {name: tally["delivered"] for name, tally in handler._by_domain.items()}
    assert delivered == {"a.example": 2, "b.example": 1}


def test_a_failed_organisations_event_that_fails_alone_comes_back(calls: list[Any]) -> None:
    calls.append("an earlier one")  # the next recording alone fails

    assert handler._record(_parsed(3)) == ["m-1"]
    assert set(handler._by_domain) == {"a.example"}
