"""What one send over the API says to PostgreSQL: at most six round trips, its answer the
row a read gives back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bench.wire import traced
from functions.api import dependencies

from .sending_helpers import OutboundPipeline, outbox

__all__ = ["outbox"]

MAX_ROUND_TRIPS = 6


def _inbox(outbox: OutboundPipeline) -> str:
    return f"/inboxes/{outbox.box.support}/messages"


def _body(number: int) -> dict[str, object]:
    return {"to": [f"jane{number}@customer.example"], "subject": "Hello", "text": "Hi Jane"}


def test_a_send_takes_at_most_six_round_trips(outbox: OutboundPipeline) -> None:
    outbox.tenant.api.get("/inboxes")  # the container and its connection, made once

    with traced(dependencies.container().database.connection()) as wire:
        answer = outbox.tenant.api.post(_inbox(outbox), _body(1))

    assert answer.status == 202, answer.json()
    assert wire.round_trips <= MAX_ROUND_TRIPS, wire.table()


def test_a_send_with_an_idempotency_key_takes_at_most_six_round_trips(
    outbox: OutboundPipeline,
) -> None:
    outbox.tenant.api.get("/inboxes")
    key = {"Idempotency-Key": "order-1234-confirmation"}

    with traced(dependencies.container().database.connection()) as first:
        sent = outbox.tenant.api.post(_inbox(outbox), _body(1), headers=key)
    with traced(dependencies.container().database.connection()) as again:
        replayed = outbox.tenant.api.post(_inbox(outbox), _body(1), headers=key)

    assert (sent.status, replayed.status) == (202, 202)
    assert replayed.json() == sent.json()
    assert first.round_trips <= MAX_ROUND_TRIPS, first.table()
    assert again.round_trips <= MAX_ROUND_TRIPS, again.table()


def test_the_answer_of_a_send_is_the_message_as_read_back(outbox: OutboundPipeline) -> None:
    body = {
        **_body(1),
        "cc": ["Ann <ann@customer.example>", "jane1@customer.example"],
        "bcc": ["ann@customer.example"],
        "html": "<p>Hi <b>Jane</b></p>",
        "labels": ["orders"],
        "metadata": {"order": 1234},
        "headers": {"X-Order": "1234"},
        "attachments": [
            {"filename": f"part{n}.txt", "content": "aGVsbG8=", "content_type": "text/plain"}
            for n in range(4)
        ],
    }

    sent = outbox.tenant.api.post(_inbox(outbox), body)
    read = outbox.tenant.api.get(f"/messages/{sent.json()['id']}")

    assert sent.status == 202, sent.json()
    assert sent.json() == read.json()


def test_the_answer_is_the_read_back_for_a_recipient_named_twice_and_a_time_in_a_zone(
    outbox: OutboundPipeline,
) -> None:
    in_two_hours = datetime.now(UTC).astimezone(timezone(timedelta(hours=2))) + timedelta(hours=2)
    body = {
        **_body(1),
        "to": [
            "Jane <jane1@customer.example>",
            "bob@customer.example",
            "J <jane1@customer.example>",
        ],
        "send_at": in_two_hours.isoformat(),
    }

    sent = outbox.tenant.api.post(_inbox(outbox), body)
    read = outbox.tenant.api.get(f"/messages/{sent.json()['id']}")

    assert sent.status == 202, sent.json()
    assert [r["name"] for r in sent.json()["recipients"]] == ["Jane", None]
    assert sent.json() == read.json()


def test_a_reply_takes_at_most_six_round_trips_and_answers_what_is_stored(
    outbox: OutboundPipeline,
) -> None:
    sent = outbox.tenant.api.post(_inbox(outbox), _body(1)).json()

    with traced(dependencies.container().database.connection()) as wire:
        reply = outbox.tenant.api.post(f"/messages/{sent['id']}/reply-all", {"text": "Again"})
    read = outbox.tenant.api.get(f"/messages/{reply.json()['id']}")

    assert reply.status == 202, reply.json()
    assert reply.json()["thread_id"] == sent["thread_id"]
    assert reply.json() == read.json()
    assert wire.round_trips <= MAX_ROUND_TRIPS, wire.table()


def test_a_send_asks_the_suppression_list_without_a_round_trip_of_its_own(
    outbox: OutboundPipeline,
) -> None:
    outbox.tenant.api.post("/suppressions", {"address": "gone@customer.example"})

    with traced(dependencies.container().database.connection()) as wire:
        answer = outbox.tenant.api.post(
            _inbox(outbox), {**_body(1), "cc": ["Gone@customer.example"]}
        )

    assert answer.status == 202, answer.json()
    assert [r["status"] for r in answer.json()["recipients"]] == [None, "suppressed"]
    [asked] = [turn for turn in wire.turns if any("suppressed_addresses" in s for s in turn)]
    assert len(asked) > 1, f"the question travels alone:\n{wire.table()}"
    assert wire.round_trips <= MAX_ROUND_TRIPS, wire.table()
