"""Cancelling and rescheduling mail until it is handed to SES: a queue message on its way
for the old time sends nothing, the dispatcher queues the new time, and mail already
handed off (or received) cannot be changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ..mail import make_mail
from .conftest import Tenant
from .mail_helpers import receive_raw
from .sending_helpers import OutboundPipeline, outbox, sent_mail

__all__ = ["outbox"]


def _send(o: OutboundPipeline, **body: object) -> dict[str, Any]:
    answer = o.tenant.api.post(
        f"/inboxes/{o.box.support}/messages", {"to": ["jane@customer.example"], "text": "x", **body}
    )
    assert answer.status == 202, answer.json()
    result: dict[str, Any] = answer.json()
    return result


def _in(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _reschedule(o: OutboundPipeline, message_id: str, send_at: str | None) -> Any:
    return o.tenant.api.post(f"/messages/{message_id}/reschedule", {"send_at": send_at})


def _come_due(o: OutboundPipeline) -> None:
    o.rows("UPDATE messages SET send_at = now() - interval '1 second' RETURNING id")


def test_cancelled_pending_mail_already_queued_is_not_sent(outbox: OutboundPipeline) -> None:
    pending = _send(outbox)
    assert len(outbox.jobs()) == 1

    assert outbox.tenant.api.post(f"/messages/{pending['id']}/cancel").status == 200
    outbox.run()

    assert sent_mail() == []
    assert outbox.status(pending["id"]) == "cancelled"


def test_rescheduled_later_the_old_time_sends_nothing(outbox: OutboundPipeline) -> None:
    pending = _send(outbox)

    answer = _reschedule(outbox, pending["id"], _in(24))

    assert answer.status == 200, answer.json()
    assert answer.json()["status"] == "scheduled"
    outbox.run()  # the job queued for "now" finds the mail not due
    assert sent_mail() == []
    assert outbox.status(pending["id"]) == "scheduled"
    _come_due(outbox)
    assert outbox.dispatch()["queued"] == 1
    outbox.run()
    assert len(sent_mail()) == 1


def test_rescheduled_to_now_it_is_queued_at_once(outbox: OutboundPipeline) -> None:
    scheduled = _send(outbox, send_at=_in(5))

    answer = _reschedule(outbox, scheduled["id"], None)

    assert answer.json()["status"] == "pending"
    assert answer.json()["send_at"] is None
    outbox.run()
    assert outbox.status(scheduled["id"]) == "sent"
    assert len(sent_mail()) == 1


@pytest.mark.parametrize("state", ["sending", "sent"])
def test_mail_handed_to_ses_cannot_be_cancelled_or_rescheduled(
    outbox: OutboundPipeline, state: str
) -> None:
    sent = _send(outbox)
    if state == "sent":
        outbox.run()
    else:  # claimed by the outbound function, SES not yet answered
        outbox.rows("UPDATE messages SET status = 'sending' RETURNING id")

    cancel = outbox.tenant.api.post(f"/messages/{sent['id']}/cancel")
    move = _reschedule(outbox, sent["id"], _in(1))

    assert (cancel.status, move.status) == (409, 409)
    assert state in cancel.json()["error"]["message"]
    assert outbox.status(sent["id"]) == state


@pytest.mark.parametrize("action", ["cancel", "reschedule"])
def test_received_mail_drafts_and_strangers_cannot_be_cancelled(
    outbox: OutboundPipeline, other_tenant: Tenant, action: str
) -> None:
    receive_raw(outbox.box, make_mail())
    [received] = outbox.tenant.api.get(f"/inboxes/{outbox.box.support}/messages").json()["data"]
    draft = outbox.tenant.api.post(f"/inboxes/{outbox.box.support}/drafts", {"text": "x"}).json()
    scheduled = _send(outbox, send_at=_in(2))
    body = {"send_at": None}

    answers = [
        outbox.tenant.api.post(f"/messages/{received['id']}/{action}", body),
        outbox.tenant.api.post(f"/messages/{draft['id']}/{action}", body),
        other_tenant.api.post(f"/messages/{scheduled['id']}/{action}", body),
    ]

    assert [a.status for a in answers] == [409, 409, 404]
    assert outbox.status(scheduled["id"]) == "scheduled"


def test_mail_still_to_be_sent_is_not_trashed_by_delete_nor_by_a_folder_change(
    outbox: OutboundPipeline,
) -> None:
    """The dispatcher never sends mail in trash: DELETE, `folder: trash` on the message, its
    thread or a batch are all refused (409, the field named); the mail stays scheduled."""
    scheduled = _send(outbox, send_at=_in(5))
    api = outbox.tenant.api
    trash = {"folder": "trash"}

    answers = {
        "delete": api.delete(f"/messages/{scheduled['id']}"),
        "message": api.patch(f"/messages/{scheduled['id']}", trash),
        "thread": api.patch(f"/threads/{scheduled['thread_id']}", trash),
        "batch": api.post("/messages/batch", {"ids": [scheduled["id"]], "change": trash}),
    }

    assert {k: a.status for k, a in answers.items()} == dict.fromkeys(answers, 409)
    assert answers["batch"].json()["error"]["field"] == "change.folder"
    assert outbox.status(scheduled["id"]) == "scheduled"
    _come_due(outbox)
    assert outbox.dispatch()["queued"] == 1
