"""Receiving a batch at once: one transaction per organisation, a bad message failing alone,
and the thread listing kept by counting rather than recounting."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import boto3
import pytest

from mailman.adapters.postgres.thread_index import PostgresThreadIndex
from mailman.adapters.s3 import S3BlobStore
from mailman.domain.errors import NotFound, StorageError
from mailman.domain.inbound import InboundMail
from mailman.domain.threads import ContextQuery, ThreadContext
from mailman.services import inboxes
from mailman.services.receiving import Incoming, Received, receive_batch

from ..mail import make_mail
from .conftest import BUCKET
from .mail_helpers import MailSink, receive_raw, rows, scanning

AT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _incoming(raw: bytes, source_id: str, *, to: str = "support@example.com") -> Incoming:
    mail = InboundMail(
        source="ses",
        source_id=source_id,
        received_at=AT,
        envelope_recipients=(to,),
        verdicts={"spam": "PASS", "virus": "PASS"},
    )
    return Incoming(mail, raw)


def _batch(mailbox: MailSink, *items: Incoming) -> list[Received | Exception]:
    return receive_batch(
        mailbox.container.uow, mailbox.blobs, list(items), scanning(mailbox.container)
    )


def test_a_batch_is_stored_in_one_transaction(mailbox: MailSink) -> None:
    outcomes = _batch(
        mailbox,
        _incoming(make_mail(), "ses-1"),
        _incoming(
            make_mail(
                message_id="<m2@elsewhere.example>",
                extra="In-Reply-To: <m1@elsewhere.example>\r\n",
                subject="Re: Order 1234",
            ),
            "ses-2",
        ),
        _incoming(make_mail(message_id="<m3@elsewhere.example>", subject="Other"), "ses-3"),
    )

    assert all(isinstance(o, Received) for o in outcomes)
    transactions = rows(mailbox, "SELECT DISTINCT xmin::text FROM messages")
    threads = rows(mailbox, "SELECT message_count FROM threads ORDER BY message_count")
    events = rows(mailbox, "SELECT count(*) FROM events WHERE type = 'message.received'")
    assert len(transactions) == 1
    assert threads == [(1,), (2,)]
    assert events == [(3,)]


@pytest.mark.usefixtures("poison")
def test_a_message_that_cannot_be_stored_fails_alone(mailbox: MailSink) -> None:
    outcomes = _batch(
        mailbox,
        _incoming(make_mail(), "ses-1"),
        _incoming(make_mail(message_id="<bad@x>", subject="poison"), "ses-bad"),
        _incoming(make_mail(message_id="<m3@elsewhere.example>", subject="Other"), "ses-3"),
    )

    good, bad, other = outcomes
    assert isinstance(good, Received)
    assert isinstance(other, Received)
    assert isinstance(bad, StorageError)
    stored = rows(mailbox, "SELECT source_id FROM messages ORDER BY source_id")
    events = rows(mailbox, "SELECT count(*) FROM events WHERE type = 'message.received'")
    threads = rows(mailbox, "SELECT count(*) FROM threads")
    assert stored == [("ses-1",), ("ses-3",)]
    assert events == [(2,)]
    assert threads == [(2,)]


def test_a_message_unreadable_from_storage_fails_alone(mailbox: MailSink) -> None:
    missing = InboundMail(
        source="ses", source_id="ses-missing", received_at=AT, raw_key="raw/not-there"
    )

    good, bad = _batch(mailbox, _incoming(make_mail(), "ses-1"), Incoming(missing))

    assert isinstance(good, Received)
    assert len(good.stored) == 1
    assert isinstance(bad, NotFound)


def test_the_same_mail_twice_in_a_batch_is_stored_once(mailbox: MailSink) -> None:
    first, second = _batch(
        mailbox, _incoming(make_mail(), "ses-1"), _incoming(make_mail(), "ses-1")
    )

    assert isinstance(first, Received)
    assert isinstance(second, Received)
    assert first.stored[0].created
    assert not second.stored[0].created
    assert first.stored[0].id == second.stored[0].id
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(1,)]


def test_an_attachment_reaching_two_inboxes_is_kept_in_both(mailbox: MailSink) -> None:
    sales = inboxes.create_inbox(
        mailbox.container.uow,
        mailbox.organization_id,
        domain_id=rows(mailbox, "SELECT id FROM domains")[0][0],
        local_part="sales",
    )
    raw = (
        b"From: a@elsewhere.example\r\nTo: support@example.com, sales@example.com\r\n"
        b"Message-ID: <att@x>\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
    )

    received = receive_raw(mailbox, raw, envelope=("support@example.com", "sales@example.com"))

    assert {s.inbox_id for s in received.stored} == {mailbox.support, sales.id}
    attachments = rows(
        mailbox, "SELECT count(DISTINCT id), count(DISTINCT storage_key) FROM attachments"
    )
    assert attachments == [(2, 1)]


def _thread_listing(mailbox: MailSink) -> list[tuple[object, ...]]:
    return rows(
        mailbox,
        "SELECT t.message_count, t.unread_count, m.source_id, t.preview, t.subject "
        "FROM threads t JOIN messages m ON m.id = t.last_message_id "
        "WHERE t.merged_into_id IS NULL",
    )


def test_an_older_message_arriving_late_is_counted_but_not_latest(mailbox: MailSink) -> None:
    receive_raw(mailbox, make_mail(body="The newest word."), source_id="ses-new", received_at=AT)
    receive_raw(
        mailbox,
        make_mail(
            message_id="<m0@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\n",
            subject="Re: Order 1234",
            body="An older word.",
        ),
        source_id="ses-old",
        received_at=AT - timedelta(hours=1),
    )

    assert _thread_listing(mailbox) == [(2, 2, "ses-new", "The newest word.", "Order 1234")]


def test_a_merge_recounts_the_thread(mailbox: MailSink) -> None:
    for number, parent in ((1, "<a@x>"), (2, "<b@x>")):
        receive_raw(
            mailbox,
            make_mail(
                message_id=f"<r{number}@x>",
                extra=f"In-Reply-To: {parent}\r\n",
                subject="Re: Order 1234",
                body=f"Reply {number}.",
            ),
            source_id=f"ses-r{number}",
            received_at=AT + timedelta(minutes=number),
        )
    assert len(_thread_listing(mailbox)) == 2
    receive_raw(
        mailbox,
        make_mail(message_id="<b@x>", extra="In-Reply-To: <a@x>\r\n", body="Linking."),
        source_id="ses-link",
        received_at=AT,
    )

    assert _thread_listing(mailbox) == [(3, 3, "ses-r2", "Reply 2.", "Re: Order 1234")]


def test_threads_folded_within_a_batch_take_every_message_of_it(mailbox: MailSink) -> None:
    def reply(source_id: str, own: str, parent: str, minute: int) -> Incoming:
        incoming = _incoming(
            make_mail(
                message_id=own,
                extra=f"In-Reply-To: {parent}\r\n",
                subject="Re: Order 1234",
                body=f"Word {minute}.",
            ),
            source_id,
        )
        mail = incoming.mail
        return Incoming(
            InboundMail(
                source=mail.source,
                source_id=mail.source_id,
                received_at=AT + timedelta(minutes=minute),
                envelope_recipients=mail.envelope_recipients,
                verdicts=mail.verdicts,
            ),
            incoming.raw,
        )

    # r1 and r2 start two threads; "b" folds r2's into r1's; r3 starts a third, which
    # "c" folds into the survivor of the first fold, all in one batch.
    outcomes = _batch(
        mailbox,
        reply("ses-r1", "<r1@x>", "<a@x>", 1),
        reply("ses-r2", "<r2@x>", "<b@x>", 2),
        reply("ses-b", "<b@x>", "<a@x>", 3),
        reply("ses-r3", "<r3@x>", "<c@x>", 4),
        reply("ses-c", "<c@x>", "<b@x>", 5),
    )

    assert all(isinstance(o, Received) for o in outcomes)
    live = rows(mailbox, "SELECT id FROM threads WHERE merged_into_id IS NULL")
    assert len(live) == 1
    assert rows(mailbox, "SELECT DISTINCT thread_id FROM messages") == live
    # Each row was written as its message was threaded, before the later folds: the folds
    # moved them, and the answers name the thread they ended in.
    assert {o.stored[0].thread_id for o in outcomes if isinstance(o, Received)} == {live[0][0]}
    assert _thread_listing(mailbox) == [(5, 5, "ses-c", "Word 5.", "Re: Order 1234")]
    announced = rows(
        mailbox, "SELECT DISTINCT payload->>'thread_id' FROM events WHERE type = 'message.received'"
    )
    assert announced == [(str(live[0][0]),)]


def test_the_inboxes_of_a_batch_are_locked_in_one_order(
    mailbox: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    sales = inboxes.create_inbox(
        mailbox.container.uow,
        mailbox.organization_id,
        domain_id=rows(mailbox, "SELECT id FROM domains")[0][0],
        local_part="sales",
    )
    locked: list[UUID] = []
    original = PostgresThreadIndex.lock

    def spy(self: PostgresThreadIndex, inbox_id: UUID) -> None:
        locked.append(inbox_id)
        original(self, inbox_id)

    monkeypatch.setattr(PostgresThreadIndex, "lock", spy)
    _batch(
        mailbox,
        _incoming(make_mail(), "ses-1"),
        _incoming(
            make_mail(message_id="<s@x>", to="sales@example.com"), "ses-2", to="sales@example.com"
        ),
        _incoming(make_mail(message_id="<t@x>"), "ses-3"),
    )

    # Two batches locking the same inboxes in different orders could deadlock.
    assert locked == sorted({mailbox.support, sales.id})


def test_a_reused_message_id_in_one_batch_joins_the_first_thread(mailbox: MailSink) -> None:
    first, second = _batch(
        mailbox,
        _incoming(make_mail(body="The first text."), "ses-1"),
        _incoming(make_mail(body="Other bytes, the same Message-ID."), "ses-2"),
    )

    assert isinstance(first, Received)
    assert isinstance(second, Received)
    assert first.stored[0].created
    assert second.stored[0].created
    assert first.stored[0].id != second.stored[0].id
    assert first.stored[0].thread_id == second.stored[0].thread_id
    reasons = rows(mailbox, "SELECT source_id, match_reason FROM messages ORDER BY source_id")
    assert reasons == [("ses-1", "new"), ("ses-2", "merged")]
    assert _thread_listing(mailbox)[0][:2] == (2, 2)


@pytest.fixture
def index_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many messages each read of the thread index asked about."""
    asked: list[int] = []
    original = PostgresThreadIndex.contexts

    def spy(self: PostgresThreadIndex, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        asked.append(len(queries))
        return original(self, queries)

    monkeypatch.setattr(PostgresThreadIndex, "contexts", spy)
    return asked


def test_a_batch_reads_the_thread_index_once_and_again_only_where_it_changed(
    mailbox: MailSink, index_reads: list[int]
) -> None:
    def mail(source_id: str, own: str, subject: str, extra: str = "") -> Incoming:
        return _incoming(make_mail(message_id=own, subject=subject, extra=extra), source_id)

    outcomes = _batch(
        mailbox,
        mail("ses-1", "<a@x>", "Budget"),
        mail("ses-2", "<b@x>", "Re: Budget", "In-Reply-To: <a@x>\r\n"),
        mail("ses-3", "<c@x>", "Launch", "References: <p@x>\r\n"),
        mail("ses-4", "<d@x>", "Launch day", "References: <p@x>\r\n"),
        mail("ses-5", "<e@x>", "Unrelated"),
    )

    assert all(isinstance(o, Received) for o in outcomes)
    threads = dict(rows(mailbox, "SELECT source_id, thread_id FROM messages"))
    assert threads["ses-1"] == threads["ses-2"]
    assert threads["ses-3"] == threads["ses-4"]
    assert len({threads["ses-1"], threads["ses-3"], threads["ses-5"]}) == 3
    reasons = rows(mailbox, "SELECT source_id, match_reason FROM messages ORDER BY source_id")
    assert [r for _, r in reasons] == ["new", "in_reply_to", "new", "references", "new"]
    # Everything at once, then the two replies again: their parents were stored meanwhile.
    assert index_reads == [5, 1, 1]


def test_a_batch_delivered_again_does_not_read_the_thread_index(
    mailbox: MailSink, index_reads: list[int]
) -> None:
    batch = [_incoming(make_mail(message_id=f"<m{n}@x>"), f"ses-{n}") for n in range(3)]
    _batch(mailbox, *batch)
    index_reads.clear()

    again = _batch(mailbox, *batch)

    assert all(isinstance(o, Received) and not o.stored[0].created for o in again)
    assert index_reads == []


class _Meeting(S3BlobStore):
    """Holds every read, and every write of a raw message, until `parties` of them wait:
    made one after another they would never meet."""

    def __init__(self, parties: int) -> None:
        super().__init__(boto3.client("s3", region_name="us-east-1"), BUCKET)
        self._reads = threading.Barrier(parties, timeout=5)
        self._writes = threading.Barrier(parties, timeout=5)

    def get(self, key: str) -> bytes:
        self._reads.wait()
        return super().get(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        if content_type == "message/rfc822":
            self._writes.wait()
        super().put(key, data, content_type)


def test_a_batch_reads_and_writes_its_objects_at_once(mailbox: MailSink) -> None:
    batch = []
    for n in range(3):
        key = f"inbound/ses-{n}"
        mailbox.blobs.put(key, make_mail(message_id=f"<m{n}@x>"))
        mail = InboundMail(
            source="ses",
            source_id=f"ses-{n}",
            received_at=AT,
            envelope_recipients=("support@example.com",),
            raw_key=key,
        )
        batch.append(Incoming(mail))

    outcomes = receive_batch(mailbox.container.uow, _Meeting(3), batch, scanning(mailbox.container))

    assert all(isinstance(o, Received) and o.stored[0].created for o in outcomes)


class _RefusingOne(S3BlobStore):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        if b"<refused@x>" in data:
            raise StorageError(f"could not store {key}", transient=True)
        super().put(key, data, content_type)


def test_a_message_whose_objects_cannot_be_written_fails_alone(mailbox: MailSink) -> None:
    store = _RefusingOne(boto3.client("s3", region_name="us-east-1"), BUCKET)
    good, bad = receive_batch(
        mailbox.container.uow,
        store,
        [
            _incoming(make_mail(), "ses-1"),
            _incoming(make_mail(message_id="<refused@x>"), "ses-2"),
        ],
        scanning(mailbox.container),
    )

    assert isinstance(good, Received)
    assert isinstance(bad, StorageError)
    assert rows(mailbox, "SELECT source_id FROM messages") == [("ses-1",)]
