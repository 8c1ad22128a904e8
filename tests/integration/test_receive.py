"""Receiving through the service, over real PostgreSQL and moto's S3."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import boto3
import psycopg
import pytest

from mailman.adapters.s3 import S3BlobStore
from mailman.composition import Container, build_container
from mailman.config import Settings
from mailman.domain.errors import StorageError
from mailman.ports import ThreadIndex
from mailman.services import domains
from mailman.services.receiving import store
from mailman.thread_resolution import ThreadDecision, ThreadingInput, decide, record

from ..mail import make_mail
from .conftest import Tenant
from .mail_helpers import NOW, MailSink, receive_raw, rows


def test_a_message_is_stored_threaded_and_announced(mailbox: MailSink) -> None:
    received = receive_raw(mailbox, make_mail(), received_at=NOW)

    stored = received.stored[0]
    found = rows(
        mailbox,
        "SELECT subject, match_reason, raw_storage_key, quarantined FROM messages WHERE id = %s",
        stored.id,
    )
    events = rows(mailbox, "SELECT type FROM events WHERE type LIKE 'message.%%'")
    subject, reason, key, quarantined = found[0]
    assert (subject, reason, quarantined) == ("Order 1234", "new", False)
    assert key.startswith("raw/2026/11/21/")
    assert mailbox.blobs.get(key) == make_mail()
    assert stored.thread_id is not None
    assert events == [("message.received",)]


def test_a_different_message_reusing_a_message_id_is_kept_too(mailbox: MailSink) -> None:
    receive_raw(mailbox, make_mail())
    other = receive_raw(mailbox, make_mail(body="Something else entirely"), source_id="ses-9")

    assert other.stored[0].created
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(2,)]


def _claim_too(mailbox: MailSink, other: Tenant) -> None:
    """Another organisation's claim of the mailbox's domain, pending."""
    domains.create_domain(
        mailbox.container.uow,
        mailbox.container.verifier.identities,
        "us-east-1",
        other.organization_id,
        "example.com",
        domains.DomainSettings(),
    )


def test_mail_for_a_name_claimed_twice_goes_to_the_claim_that_receives_for_it(
    mailbox: MailSink, other_tenant: Tenant
) -> None:
    _claim_too(mailbox, other_tenant)
    envelope = ["support@example.com", "nobody@example.com"]

    received = receive_raw(mailbox, make_mail(to=", ".join(envelope)), envelope=envelope)

    assert [m.inbox_id for m in received.stored] == [mailbox.support]
    assert received.unroutable == ("nobody@example.com",)
    found = rows(mailbox, "SELECT organization_id FROM unroutable_messages")
    events = rows(mailbox, "SELECT DISTINCT organization_id FROM events")
    assert found == [(mailbox.organization_id,)]
    assert events == [(mailbox.organization_id,)]


def test_a_name_claimed_twice_that_no_claim_receives_for_is_no_ones(
    mailbox: MailSink, other_tenant: Tenant
) -> None:
    _claim_too(mailbox, other_tenant)
    with psycopg.connect(mailbox.database_url, autocommit=True) as conn:
        conn.execute("UPDATE domains SET mx_verified = false")

    received = receive_raw(
        mailbox, make_mail(to="nobody@example.com"), envelope=["nobody@example.com"]
    )

    assert (received.stored, received.unroutable) == ((), ())
    assert rows(mailbox, "SELECT count(*) FROM unroutable_messages") == [(0,)]
    assert rows(mailbox, "SELECT count(*) FROM events") == [(0,)]


@pytest.mark.parametrize(
    ("verdicts", "policy", "reason"),
    [
        ({"virus": "FAIL"}, None, "virus"),
        ({"dmarc": "FAIL"}, "reject", "dmarc_reject"),
        ({"dmarc": "FAIL"}, "none", None),
    ],
)
def test_virus_and_rejected_dmarc_are_quarantined(
    mailbox: MailSink, verdicts: dict[str, str], policy: str | None, reason: str | None
) -> None:
    received = receive_raw(mailbox, make_mail(), verdicts=verdicts, dmarc_policy=policy)

    stored = received.stored[0]
    found = rows(
        mailbox, "SELECT quarantine_reason, thread_id FROM messages WHERE id = %s", stored.id
    )
    kinds = rows(mailbox, "SELECT type FROM events WHERE type LIKE 'message.%%'")
    assert found[0][0] == reason
    assert (found[0][1] is None) is (reason is not None)
    assert kinds == [("message.quarantined",) if reason else ("message.received",)]


def test_mail_over_a_limit_is_quarantined_not_raised(mailbox: MailSink) -> None:
    headers = "".join(f"X-Filler-{i}: x\r\n" for i in range(100_000))

    received = receive_raw(mailbox, make_mail(extra=headers))

    found = rows(mailbox, "SELECT quarantine_reason FROM messages")
    assert received.quarantine_reason == "too_many_headers"
    assert found == [("too_many_headers",)]


def test_a_late_parent_merges_the_threads_of_its_replies(mailbox: MailSink) -> None:
    a = receive_raw(
        mailbox,
        make_mail(message_id="<a@x>", extra="In-Reply-To: <p@x>\r\n", subject="Re: Plan"),
        source_id="1",
    ).stored[0]
    b = receive_raw(
        mailbox,
        make_mail(message_id="<b@x>", extra="References: <p@x> <zz@x>\r\n", subject="Re: Plan"),
        source_id="2",
    ).stored[0]
    parent = receive_raw(
        mailbox, make_mail(message_id="<p@x>", subject="Plan"), source_id="3"
    ).stored[0]

    threads = rows(mailbox, "SELECT DISTINCT thread_id FROM messages")
    assert a.thread_id == b.thread_id
    assert threads == [(parent.thread_id,)]


def test_mail_through_one_mailing_list_threads_by_subject(mailbox: MailSink) -> None:
    list_id = 'List-Id: "Board" <board.lists.example>\r\n'
    first = receive_raw(
        mailbox,
        make_mail(message_id="<q1@x>", subject="Quarterly numbers for the board", extra=list_id),
        source_id="ses-q1",
    ).stored[0]
    raw = make_mail(
        message_id="<q2@x>", subject="Re: Quarterly numbers for the board", extra=list_id
    ).replace(b"From: Alice <alice@elsewhere.example>", b"From: Bob <bob@other.example>")

    reply = receive_raw(mailbox, raw, source_id="ses-q2").stored[0]

    assert reply.thread_id == first.thread_id
    assert rows(mailbox, "SELECT match_reason FROM messages WHERE id = %s", reply.id) == [
        ("subject",)
    ]


def test_two_replies_at_once_make_one_thread(
    mailbox: MailSink, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = build_container(Settings(database_url=database_url))
    results: list[Any] = []
    both_decided = threading.Barrier(2, timeout=1)

    def decide_then_wait(message: ThreadingInput, index: ThreadIndex) -> Any:
        # Without the inbox lock both would decide before either records: two threads.
        # With it the second waits for the first to commit, and the barrier gives up.
        decision = decide(message, index)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_decided.wait()
        if isinstance(decision, ThreadDecision):
            record(decision, index)
        return decision

    monkeypatch.setattr(store, "assign_thread", decide_then_wait)

    def arrive(container: Container, mid: str) -> None:
        box = MailSink(
            container, mailbox.blobs, database_url, mailbox.organization_id, mailbox.support
        )
        results.append(
            receive_raw(
                box, make_mail(message_id=mid, extra="In-Reply-To: <unseen@x>\r\n"), source_id=mid
            )
        )

    workers = [
        threading.Thread(target=arrive, args=(mailbox.container, "<r1@x>")),
        threading.Thread(target=arrive, args=(second, "<r2@x>")),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    second.database.close()

    assert len(results) == 2
    assert len({r.stored[0].thread_id for r in results}) == 1


class _FailingAttachments(S3BlobStore):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        if key.startswith("attachments/"):
            raise StorageError("S3 is down", transient=True)
        super().put(key, data, content_type)


def test_a_failure_mid_way_leaves_the_database_unchanged(mailbox: MailSink) -> None:
    raw = (
        b"From: a@elsewhere.example\r\nTo: support@example.com\r\nMessage-ID: <att@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        b"see attached\r\n--B\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"\r\nJVBERi0=\r\n--B--\r\n"
    )
    s3 = boto3.client("s3", region_name="us-east-1")
    broken = MailSink(
        mailbox.container,
        _FailingAttachments(s3, "mail"),
        mailbox.database_url,
        mailbox.organization_id,
        mailbox.support,
    )

    with pytest.raises(StorageError):
        receive_raw(broken, raw)

    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]
    assert rows(mailbox, "SELECT count(*) FROM threads") == [(0,)]
    stored = receive_raw(mailbox, raw).stored[0]
    attachments = rows(
        mailbox, "SELECT filename, size_bytes FROM attachments WHERE message_id = %s", stored.id
    )
    assert attachments == [("a.pdf", 5)]
