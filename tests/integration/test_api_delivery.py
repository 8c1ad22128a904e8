"""Reading delivery back over the API: each recipient's state on `GET /messages/{id}`, the
event history of `GET /messages/{id}/delivery`, and the lists' `delivery_status`, `since` and
`until`. What the telemetry function would record is written here with SQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from ..mail import make_mail
from .conftest import Tenant
from .mail_helpers import receive_raw
from .sending_helpers import OutboundPipeline, outbox

__all__ = ["outbox"]

SES_EVENTS = Path(__file__).parents[2] / ".." / "shared" / "ses-events"
JANE = "jane@customer.example"
BOB = "bob@customer.example"
ALICE = "alice@elsewhere.example"
AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
BOUNCE = {
    "bounced_at": AT,
    "bounce_type": "Permanent",
    "bounce_sub_type": "General",
    "smtp_status": "5.1.1",
    "diagnostic_code": "smtp; 550 5.1.1 user unknown",
}


def _send(o: OutboundPipeline, *to: str) -> str:
    answer = o.tenant.api.post(
        f"/inboxes/{o.box.support}/messages", {"to": list(to or [JANE]), "text": "Hello"}
    )
    assert answer.status == 202, answer.json()
    o.run()
    return str(answer.json()["id"])


def _execute(o: OutboundPipeline, statement: sql.Composed | str, params: Any) -> None:
    with psycopg.connect(o.box.database_url, autocommit=True) as conn:
        conn.execute(statement, params)


def _report(
    o: OutboundPipeline,
    message_id: str,
    status: str,
    recipients: dict[str, dict[str, Any]] | None = None,
) -> None:
    """The message's status and each recipient's columns (address -> column -> value), as
    the telemetry function leaves them."""
    _execute(o, "UPDATE messages SET status = %s WHERE id = %s", [status, message_id])
    for address, columns in (recipients or {}).items():
        assigned = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(name)) for name in columns
        )
        _execute(
            o,
            sql.SQL(
                "UPDATE message_recipients SET {} WHERE message_id = %s AND address = %s"
            ).format(assigned),
            [*columns.values(), message_id, address],
        )


def _event(
    o: OutboundPipeline,
    message_id: str,
    kind: str,
    at: datetime,
    recipient: str = JANE,
    details: dict[str, Any] | None = None,
) -> None:
    _execute(
        o,
        "INSERT INTO delivery_events (organization_id, message_id, recipient, event_type, "
        "source_event_id, occurred_at, details, ses_message_id) "
        "VALUES (%s, %s, %s, %s, gen_random_uuid()::text, %s, %s, 'ses-1')",
        [o.tenant.organization_id, message_id, recipient, kind, at, json.dumps(details or {})],
    )


def _ses(name: str, part: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((SES_EVENTS / name).read_text())[part]
    return found


def _ids(answer: Any) -> list[str]:
    assert answer.status == 200, answer.json()
    return [item["id"] for item in answer.json()["data"]]


def test_a_sent_message_shows_each_recipients_delivery_state(outbox: OutboundPipeline) -> None:
    message_id = _send(outbox, JANE, BOB)
    _report(
        outbox,
        message_id,
        "partially_delivered",
        {
            JANE: {"status": "delivered", "status_at": AT, "sent_at": AT, "delivered_at": AT},
            BOB: {"status": "bounced", "status_at": AT, "sent_at": AT, **BOUNCE},
        },
    )

    jane, bob = outbox.tenant.api.get(f"/messages/{message_id}").json()["recipients"]

    assert (jane["status"], jane["delivered_at"], jane["bounce"]) == (
        "delivered",
        "2026-12-07T10:00:00Z",
        None,
    )
    assert bob["status"] == "bounced"
    assert bob["bounced_at"] == "2026-12-07T10:00:00Z"
    assert bob["bounce"] == {
        "type": "Permanent",
        "sub_type": "General",
        "smtp_status": "5.1.1",
        "diagnostic_code": "smtp; 550 5.1.1 user unknown",
    }
    assert (bob["complaint"], bob["delay"], bob["delivered_at"]) == (None, None, None)


def test_a_complaint_and_a_delay_are_shown_beside_the_status(outbox: OutboundPipeline) -> None:
    message_id = _send(outbox)
    expires = AT + timedelta(hours=4)
    _report(
        outbox,
        message_id,
        "complained",
        {
            JANE: {
                "status": "complained",
                "delivered_at": AT,
                "complained_at": AT + timedelta(days=1),
                "complaint_feedback_type": "abuse",
                "delayed_at": AT - timedelta(hours=1),
                "delay_type": "MailboxFull",
                "delay_expires_at": expires,
            }
        },
    )

    [jane] = outbox.tenant.api.get(f"/messages/{message_id}").json()["recipients"]

    assert jane["complaint"] == {"feedback_type": "abuse"}
    assert jane["delay"] == {
        "type": "MailboxFull",
        "delayed_at": "2026-12-07T09:00:00Z",
        "expires_at": "2026-12-07T14:00:00Z",
    }
    assert jane["complained_at"] == "2026-12-08T10:00:00Z"


def test_the_history_is_oldest_first_with_what_each_event_said(outbox: OutboundPipeline) -> None:
    message_id = _send(outbox, JANE, BOB)
    _report(
        outbox,
        message_id,
        "partially_delivered",
        {
            JANE: {"status": "delivered", "status_at": AT},
            BOB: {"status": "bounced", "status_at": AT, **BOUNCE},
        },
    )
    bounce = {
        "bounce_type": "Permanent",
        "bounce_sub_type": "General",
        "smtp_status": "5.1.1",
        "diagnostic_code": "smtp; 550 5.1.1 user unknown",
        "ses": _ses("event-bounce-permanent-general.json", "bounce"),
    }
    _event(outbox, message_id, "bounce", AT + timedelta(seconds=2), BOB, bounce)
    delivery = {"ses": _ses("event-delivery.json", "delivery")}
    _event(outbox, message_id, "delivery", AT + timedelta(seconds=1), JANE, delivery)
    _event(outbox, message_id, "send", AT, JANE)

    answer = outbox.tenant.api.get(f"/messages/{message_id}/delivery")

    assert answer.status == 200, answer.json()
    body = answer.json()
    assert (body["message_id"], body["status"]) == (message_id, "partially_delivered")
    assert [(r["address"], r["status"]) for r in body["recipients"]] == [
        (JANE, "delivered"),
        (BOB, "bounced"),
    ]
    assert [(e["type"], e["recipient"]) for e in body["data"]] == [
        ("send", JANE),
        ("delivery", JANE),
        ("bounce", BOB),
    ]
    send, delivered, bounced = body["data"]
    assert send["details"] == {}
    assert delivered["details"]["smtp_response"] == "250 2.6.0 Message received"
    assert delivered["details"]["reporting_mta"] == "mta.example.com"
    assert bounced["occurred_at"] == "2026-12-07T10:00:02Z"
    assert bounced["details"] == {
        "bounce_type": "Permanent",
        "bounce_sub_type": "General",
        "smtp_status": "5.1.1",
        "diagnostic_code": "smtp; 550 5.1.1 user unknown",
        "reporting_mta": "dsn; mta.example.com",
    }
    assert body["next_page_token"] is None


def test_the_history_reads_on_in_pages(outbox: OutboundPipeline) -> None:
    message_id = _send(outbox)
    for minute in (3, 0, 4, 1, 2):
        _event(outbox, message_id, "open", AT + timedelta(minutes=minute))
    read: list[str] = []
    query = "limit=2"
    while True:
        body = outbox.tenant.api.get(f"/messages/{message_id}/delivery", query=query).json()
        read += [e["occurred_at"] for e in body["data"]]
        if body["next_page_token"] is None:
            break
        query = f"limit=2&page_token={body['next_page_token']}"

    assert read == [f"2026-12-07T10:0{m}:00Z" for m in range(5)]


def test_received_mail_has_an_empty_history(outbox: OutboundPipeline) -> None:
    stored = receive_raw(outbox.box, make_mail()).stored[0]

    body = outbox.tenant.api.get(f"/messages/{stored.id}/delivery").json()

    assert (body["status"], body["data"]) == (None, [])
    assert {r["status"] for r in body["recipients"]} == {None}


def test_another_organisations_or_an_unknown_message_has_no_history(
    outbox: OutboundPipeline, other_tenant: Tenant
) -> None:
    message_id = _send(outbox)
    _event(outbox, message_id, "send", AT)

    for api, wanted in (
        (other_tenant.api, message_id),
        (outbox.tenant.api, "00000000-0000-4000-8000-000000000000"),
    ):
        answer = api.get(f"/messages/{wanted}/delivery")
        assert answer.status == 404
        assert answer.json()["error"]["field"] == "message_id"


def _bounced(o: OutboundPipeline) -> str:
    """A message delivered to Jane, bounced by Bob."""
    message_id = _send(o, JANE, BOB)
    _report(
        o,
        message_id,
        "partially_delivered",
        {JANE: {"status": "delivered"}, BOB: {"status": "bounced", **BOUNCE}},
    )
    return message_id


def _delivered(o: OutboundPipeline) -> str:
    message_id = _send(o)
    _report(o, message_id, "delivered", {JANE: {"status": "delivered"}})
    return message_id


def test_the_message_list_filters_by_a_recipients_or_the_messages_status(
    outbox: OutboundPipeline,
) -> None:
    mixed = _bounced(outbox)
    whole = _delivered(outbox)
    failed = _send(outbox)
    _report(outbox, failed, "failed")
    receive_raw(outbox.box, make_mail())
    listing = f"/inboxes/{outbox.box.support}/messages"

    def listed(status: str) -> list[str]:
        return _ids(outbox.tenant.api.get(listing, query=f"delivery_status={status}"))

    assert listed("bounced") == [mixed]
    assert listed("partially_delivered") == [mixed]
    assert listed("delivered") == [whole, mixed]
    assert listed("failed") == [failed]
    assert listed("complained") == []
    assert len(_ids(outbox.tenant.api.get(listing))) == 4


def test_delayed_lists_messages_with_a_recipient_delayed_and_no_outcome_yet(
    outbox: OutboundPipeline,
) -> None:
    waiting = _send(outbox)
    _report(outbox, waiting, "sent", {JANE: {"status": "sent", "delayed_at": AT}})
    later = _send(outbox)
    _report(outbox, later, "delivered", {JANE: {"status": "delivered", "delayed_at": AT}})

    listed = outbox.tenant.api.get(
        f"/inboxes/{outbox.box.support}/messages", query="delivery_status=delayed"
    )

    assert _ids(listed) == [waiting]


def test_the_thread_list_shows_threads_with_a_matching_message(outbox: OutboundPipeline) -> None:
    stored = receive_raw(outbox.box, make_mail()).stored[0]
    answer = outbox.tenant.api.post(f"/messages/{stored.id}/reply", {"text": "On its way."})
    assert answer.status == 202, answer.json()
    outbox.run()
    _report(outbox, answer.json()["id"], "sent", {ALICE: {"status": "bounced", **BOUNCE}})
    _delivered(outbox)
    threads = f"/inboxes/{outbox.box.support}/threads"

    bounced = _ids(outbox.tenant.api.get(threads, query="delivery_status=bounced"))

    assert bounced == [str(stored.thread_id)]
    assert len(_ids(outbox.tenant.api.get(threads))) == 2


def test_filtered_pages_read_every_match_once(outbox: OutboundPipeline) -> None:
    bounced = []
    for i in range(5):
        bounced.append(_bounced(outbox))
        if i % 2:
            _delivered(outbox)
    read: list[str] = []
    query = "delivery_status=bounced&limit=2"
    while True:
        body = outbox.tenant.api.get(f"/inboxes/{outbox.box.support}/messages", query=query).json()
        read += [m["id"] for m in body["data"]]
        if body["next_page_token"] is None:
            break
        query = f"delivery_status=bounced&limit=2&page_token={body['next_page_token']}"

    assert read == bounced[::-1]


def _created(o: OutboundPipeline, message_id: str, at: datetime) -> None:
    _execute(o, "UPDATE messages SET created_at = %s WHERE id = %s", [at, message_id])


def test_since_and_until_bound_when_the_messages_were_created(outbox: OutboundPipeline) -> None:
    last_week, this_week, today = _bounced(outbox), _bounced(outbox), _bounced(outbox)
    _created(outbox, last_week, AT - timedelta(days=8))
    _created(outbox, this_week, AT - timedelta(days=3))
    _created(outbox, today, AT)
    since = quote((AT - timedelta(days=7)).isoformat())
    listing = f"/inboxes/{outbox.box.support}/messages"

    week = outbox.tenant.api.get(listing, query=f"delivery_status=bounced&since={since}")
    before = outbox.tenant.api.get(listing, query=f"since={since}&until={quote(AT.isoformat())}")
    naive = outbox.tenant.api.get(listing, query="until=2026-12-04T10:00:00")

    assert _ids(week) == [today, this_week]
    assert _ids(before) == [this_week]
    assert _ids(naive) == [last_week]


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/inboxes/{inbox}/messages", "delivery_status=lost", "delivery_status"),
        ("/inboxes/{inbox}/messages", "delivery_status=pending", "delivery_status"),
        ("/inboxes/{inbox}/threads", "delivery_status=BOUNCED", "delivery_status"),
        ("/inboxes/{inbox}/messages", "since=last-week", "since"),
        ("/inboxes/{inbox}/messages", "until=2026-13-01", "until"),
        (
            "/inboxes/{inbox}/messages",
            "since=2026-12-07T10:00:00Z&until=2026-12-01T00:00:00Z",
            "until",
        ),
        ("/messages/not-a-uuid/delivery", "", "message_id"),
        ("/messages/{message}/delivery", "limit=0", "limit"),
        ("/messages/{message}/delivery", "page_token=bogus", "page_token"),
    ],
)
def test_bad_input_to_the_delivery_reads_is_400_naming_the_parameter(
    outbox: OutboundPipeline, path: str, query: str, field: str
) -> None:
    stored = receive_raw(outbox.box, make_mail()).stored[0]

    answer = outbox.tenant.api.get(
        path.format(inbox=outbox.box.support, message=stored.id), query=query
    )

    assert answer.status == 400
    assert answer.json()["error"]["field"] == field


def test_another_organisations_lists_are_404_whatever_the_filter(
    outbox: OutboundPipeline, other_tenant: Tenant
) -> None:
    _bounced(outbox)

    for path in ("messages", "threads"):
        answer = other_tenant.api.get(
            f"/inboxes/{outbox.box.support}/{path}", query="delivery_status=bounced"
        )
        assert answer.status == 404
