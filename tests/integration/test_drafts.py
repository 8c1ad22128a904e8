"""Drafts over the API: written and changed in no thread, sent as the same message into its
thread, refused cleanly when they cannot be sent; a draft answering a message."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest

from functions.api import dependencies
from mailman.adapters.postgres.database import Database
from mailman.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from mailman.adapters.sqs import SqsQueue
from mailman.domain.errors import DeliveryError
from mailman.services import sending
from mailman.services.sending import drafts

from ..mail import make_mail
from .conftest import Tenant
from .mail_helpers import receive_raw
from .sending_helpers import OutboundPipeline, outbox, parsed, sent_mail

__all__ = ["outbox"]


def _draft(o: OutboundPipeline, **body: object) -> dict[str, Any]:
    answer = o.tenant.api.post(f"/inboxes/{o.box.support}/drafts", body)
    assert answer.status == 201, answer.json()
    result: dict[str, Any] = answer.json()
    return result


def _send_draft(o: OutboundPipeline, draft_id: str, **headers: str) -> Any:
    return o.tenant.api.post(f"/drafts/{draft_id}/send", headers=headers)


def test_an_update_replaces_the_fields_given_and_keeps_the_rest(outbox: OutboundPipeline) -> None:
    draft = _draft(
        outbox,
        to=["jane@customer.example"],
        subject="Plan",
        text="First go",
        attachments=[{"filename": "plan.txt", "content": "cGxhbgo="}],
        labels=["q4"],
    )

    answer = outbox.tenant.api.patch(
        f"/drafts/{draft['id']}", {"text": "Second go", "cc": ["Bob Boss <bob@customer.example>"]}
    )

    assert answer.status == 200, answer.json()
    changed = answer.json()
    assert changed["text"] == "Second go"
    assert changed["subject"] == "Plan"
    assert changed["labels"] == ["q4"]
    assert [(r["kind"], r["address"], r["name"]) for r in changed["recipients"]] == [
        ("to", "jane@customer.example", None),
        ("cc", "bob@customer.example", "Bob Boss"),
    ]
    assert [a["filename"] for a in changed["attachments"]] == ["plan.txt"]
    assert changed["created_at"] == draft["created_at"]
    assert changed["updated_at"] > draft["updated_at"]
    cleared = outbox.tenant.api.patch(f"/drafts/{draft['id']}", {"attachments": []}).json()
    assert cleared["attachments"] == []


def test_a_sent_draft_is_the_same_message_in_its_thread_sent_once(outbox: OutboundPipeline) -> None:
    draft = _draft(
        outbox,
        to=["jane@customer.example"],
        subject="Plan",
        text="Final",
        attachments=[{"filename": "plan.txt", "content": "cGxhbgo="}],
    )

    answer = _send_draft(outbox, draft["id"])

    assert answer.status == 202, answer.json()
    sent = answer.json()
    assert (sent["id"], sent["message_id"]) == (draft["id"], draft["message_id"])
    assert sent["status"] == "pending"
    assert sent["thread_id"]
    outbox.run()
    [mail] = sent_mail()
    message = parsed(mail.raw_data)
    assert message["Message-ID"] == draft["message_id"]
    [file] = [p for p in message.walk() if p.get_filename() == "plan.txt"]
    assert file.get_payload(decode=True) == b"plan\n"
    assert outbox.status(draft["id"]) == "sent"
    thread = outbox.tenant.api.get(f"/threads/{sent['thread_id']}").json()
    assert [m["id"] for m in thread["messages"]] == [draft["id"]]
    assert outbox.tenant.api.get(f"/inboxes/{outbox.box.support}/drafts").json()["data"] == []


def test_a_sent_draft_is_no_longer_a_draft(outbox: OutboundPipeline) -> None:
    draft = _draft(outbox, to=["jane@customer.example"], text="Once")
    assert _send_draft(outbox, draft["id"]).status == 202

    again = _send_draft(outbox, draft["id"])
    read = outbox.tenant.api.get(f"/drafts/{draft['id']}")
    edit = outbox.tenant.api.patch(f"/drafts/{draft['id']}", {"text": "Twice"})
    delete = outbox.tenant.api.delete(f"/drafts/{draft['id']}")

    assert (again.status, read.status, edit.status, delete.status) == (409, 404, 409, 409)
    assert again.json()["error"]["field"] == "draft_id"
    outbox.run()
    assert len(sent_mail()) == 1


def test_a_draft_answering_a_message_joins_its_thread_when_sent(outbox: OutboundPipeline) -> None:
    receive_raw(outbox.box, make_mail(extra="Reply-To: Alice Desk <desk@elsewhere.example>\r\n"))
    [received] = outbox.tenant.api.get(f"/inboxes/{outbox.box.support}/messages").json()["data"]

    draft = _draft(outbox, in_reply_to=received["id"], text="Looking into it")

    assert draft["thread_id"] is None
    assert draft["subject"] == "Re: Order 1234"
    assert draft["in_reply_to"] == received["message_id"]
    assert [r["address"] for r in draft["recipients"]] == ["desk@elsewhere.example"]
    thread = outbox.tenant.api.get(f"/threads/{received['thread_id']}").json()
    assert thread["message_count"] == 1
    sent = _send_draft(outbox, draft["id"]).json()
    assert sent["thread_id"] == received["thread_id"]
    outbox.run()
    assert parsed(sent_mail()[0].raw_data)["In-Reply-To"] == received["message_id"]
    thread = outbox.tenant.api.get(f"/threads/{received['thread_id']}").json()
    assert [m["id"] for m in thread["messages"]] == [received["id"], draft["id"]]


def test_sending_a_draft_is_idempotent_with_a_key(outbox: OutboundPipeline) -> None:
    first = _draft(outbox, to=["jane@customer.example"], text="One")
    second = _draft(outbox, to=["jane@customer.example"], text="Two")
    key = {"Idempotency-Key": "draft-send-1"}

    answers = [_send_draft(outbox, first["id"], **key) for _ in range(2)]
    other = _send_draft(outbox, second["id"], **key)

    assert [a.status for a in answers] == [202, 202]
    assert answers[1].header("Idempotent-Replayed") == "true"
    assert answers[1].json()["id"] == first["id"]
    assert other.status == 409
    assert other.json()["error"]["field"] == "Idempotency-Key"
    outbox.run()
    assert len(sent_mail()) == 1


class _Accepting:
    def send(self, bodies: Sequence[Mapping[str, object]], *, delay_seconds: int = 0) -> None:
        """Takes every job (the dispatcher would queue it otherwise)."""

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Never asked: nothing is received here."""


def test_one_draft_sent_twice_at_once_with_one_key_is_sent_once_and_replayed_once(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _draft(outbox, to=["jane@customer.example"], subject="Plan", text="Go")
    both_read_it = threading.Barrier(2)
    read = drafts.sender_of

    def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        both_read_it.wait(timeout=10)
        return found

    monkeypatch.setattr(drafts, "sender_of", read_then_wait)
    key = sending.Idempotency.of("retry-1", "send-draft", {"draft": draft["id"]})
    container = dependencies.container()

    def send(_: int) -> bool:
        own = PostgresUnitOfWorkFactory(Database(outbox.box.database_url))
        env = sending.Sending(own, container.blobs, _Accepting(), container.clock)
        return sending.send_draft(
            env, outbox.tenant.organization_id, UUID(draft["id"]), key
        ).replayed

    with ThreadPoolExecutor(2) as pool:
        replayed = sorted(pool.map(send, range(2)))

    assert replayed == [False, True]
    assert outbox.rows("SELECT count(*) FROM messages WHERE id = %s", draft["id"]) == [(1,)]


def test_drafts_of_another_organisation_are_not_found(
    outbox: OutboundPipeline, other_tenant: Tenant
) -> None:
    draft = _draft(outbox, to=["jane@customer.example"], text="Mine")

    assert other_tenant.api.get(f"/drafts/{draft['id']}").status == 404
    assert other_tenant.api.patch(f"/drafts/{draft['id']}", {"text": "x"}).status == 404
    assert other_tenant.api.post(f"/drafts/{draft['id']}/send").status == 404
    assert other_tenant.api.delete(f"/drafts/{draft['id']}").status == 404
    assert other_tenant.api.get(f"/inboxes/{outbox.box.support}/drafts").status == 404


def _edited_meanwhile(o: OutboundPipeline, draft_id: str, step: Any) -> Any:
    """`step`, after another writer changed the draft (as an edit racing this one would)."""

    def racing(*args: Any, **kwargs: Any) -> Any:
        o.rows(
            "UPDATE messages SET updated_at = clock_timestamp() WHERE id = %s RETURNING id",
            draft_id,
        )
        return step(*args, **kwargs)

    return racing


def test_an_edit_racing_another_changes_nothing(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _draft(outbox, to=["jane@customer.example"], text="v1")
    monkeypatch.setattr(
        drafts, "write_files", _edited_meanwhile(outbox, draft["id"], drafts.write_files)
    )

    answer = outbox.tenant.api.patch(f"/drafts/{draft['id']}", {"text": "v2"})

    assert answer.status == 409
    assert outbox.tenant.api.get(f"/drafts/{draft['id']}").json()["text"] == "v1"


def test_a_send_racing_an_edit_sends_nothing(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _draft(outbox, to=["jane@customer.example"], text="v1")
    monkeypatch.setattr(drafts, "submit", _edited_meanwhile(outbox, draft["id"], drafts.submit))

    answer = _send_draft(outbox, draft["id"], **{"Idempotency-Key": "race-1"})

    assert answer.status == 409
    assert answer.json()["error"]["field"] == "draft_id"
    assert outbox.tenant.api.get(f"/drafts/{draft['id']}").json()["status"] == "draft"
    assert outbox.jobs() == []
    assert outbox.rows("SELECT count(*) FROM idempotency_keys") == [(0,)]
    assert outbox.rows("SELECT count(*) FROM threads") == [(0,)]


def test_a_draft_keeps_an_uploaded_file_and_sends_it(outbox: OutboundPipeline) -> None:
    upload = outbox.upload("deck.pdf", b"%PDF-deck")
    draft = _draft(
        outbox,
        to=["jane@customer.example"],
        text="The deck",
        attachments=[{"filename": "deck.pdf", "attachment_id": upload["id"]}],
    )
    outbox.tenant.api.patch(f"/drafts/{draft['id']}", {"subject": "Deck"})

    assert _send_draft(outbox, draft["id"]).status == 202
    outbox.run()

    [deck] = [p for p in parsed(sent_mail()[0].raw_data).walk() if p.get_filename() == "deck.pdf"]
    assert deck.get_payload(decode=True) == b"%PDF-deck"


def test_a_sent_draft_the_queue_refused_is_queued_by_the_dispatcher(
    outbox: OutboundPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _draft(outbox, to=["jane@customer.example"], text="Later, by the dispatcher")

    def refused(self: SqsQueue, bodies: Any, *, delay_seconds: int = 0) -> None:
        raise DeliveryError("the queue could not take the jobs")

    with monkeypatch.context() as patched:
        patched.setattr(SqsQueue, "send", refused)
        assert _send_draft(outbox, draft["id"]).json()["status"] == "pending"
    assert outbox.jobs() == []

    assert outbox.dispatch()["queued"] == 1
    outbox.run()
    assert outbox.status(draft["id"]) == "sent"


def test_a_draft_in_trash_is_restored_before_it_is_sent(outbox: OutboundPipeline) -> None:
    draft = _draft(outbox, to=["jane@customer.example"], subject="Plan", text="x")
    api = outbox.tenant.api
    assert api.delete(f"/messages/{draft['id']}").status == 204

    refused = _send_draft(outbox, draft["id"])

    assert refused.status == 409, refused.json()
    assert refused.json()["error"]["field"] == "draft_id"
    assert api.post(f"/messages/{draft['id']}/restore").json()["folder"] == "drafts"
    assert _send_draft(outbox, draft["id"]).status == 202
    outbox.run()
    assert len(sent_mail()) == 1
