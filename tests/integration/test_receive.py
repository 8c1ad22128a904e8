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
from mailman.services import domains, inboxes
from mailman.services import receive as receive_service
from mailman.threading import ThreadDecision, ThreadingInput, decide, record

from .conftest import Tenant
from .mail_helpers import NOW, MailSink, deliver, make_mail, rows


def test_a_message_is_stored_threaded_and_announced(mailbox: MailSink) -> None:
    received = deliver(mailbox, make_mail(), received_at=NOW)

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


def test_a_reply_joins_the_thread(mailbox: MailSink) -> None:
    first = deliver(mailbox, make_mail()).stored[0]

    reply = deliver(
        mailbox,
        make_mail(
            source_id="ses-2",
            message_id="<m2@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\n",
            subject="Re: Order 1234",
        ),
        source_id="ses-2",
    ).stored[0]

    reasons = rows(mailbox, "SELECT match_reason FROM messages WHERE id = %s", reply.id)
    count = rows(mailbox, "SELECT message_count FROM threads WHERE id = %s", first.thread_id)
    assert reply.thread_id == first.thread_id
    assert reasons == [("in_reply_to",)]
    assert count == [(2,)]


def test_the_same_notification_twice_stores_one_message(mailbox: MailSink) -> None:
    first = deliver(mailbox, make_mail())
    again = deliver(mailbox, make_mail())

    assert again.stored[0].id == first.stored[0].id
    assert again.stored[0].created is False
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(1,)]
    assert rows(mailbox, "SELECT count(*) FROM events WHERE type = 'message.received'") == [(1,)]


def test_a_different_message_reusing_a_message_id_is_kept_too(mailbox: MailSink) -> None:
    deliver(mailbox, make_mail())
    other = deliver(mailbox, make_mail(body="Something else entirely"), source_id="ses-9")

    assert other.stored[0].created
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(2,)]


def test_sub_addresses_reach_the_inbox_with_their_tag(mailbox: MailSink) -> None:
    received = deliver(
        mailbox,
        make_mail(to="support+billing@example.com"),
        envelope=["support+billing@example.com"],
    )

    tags = rows(mailbox, "SELECT plus_tags FROM messages WHERE id = %s", received.stored[0].id)
    assert received.stored[0].inbox_id == mailbox.support
    assert tags == [(["billing"],)]


def test_mail_for_no_inbox_is_recorded_as_unroutable(mailbox: MailSink) -> None:
    received = deliver(mailbox, make_mail(to="nobody@example.com"), envelope=["nobody@example.com"])

    assert received.stored == ()
    assert received.unroutable == ("nobody@example.com",)
    found = rows(mailbox, "SELECT recipients, raw_storage_key FROM unroutable_messages")
    assert found[0][0] == ["nobody@example.com"]
    assert mailbox.blobs.get(found[0][1]) == make_mail(to="nobody@example.com")
    assert rows(mailbox, "SELECT type FROM events") == [("message.unroutable",)]


def test_mail_for_a_domain_not_verified_for_receiving_says_so(mailbox: MailSink) -> None:
    with psycopg.connect(mailbox.database_url, autocommit=True) as conn:
        conn.execute("UPDATE domains SET mx_verified = false")

    received = deliver(mailbox, make_mail())
    again = deliver(mailbox, make_mail())

    assert received.stored == again.stored == ()
    assert received.unroutable == ("support@example.com",)
    found = rows(mailbox, "SELECT reason FROM unroutable_messages")
    events = rows(mailbox, "SELECT payload->>'reason' FROM events")
    assert found == [
        ("the domain is not verified for receiving: its MX record does not point at SES",)
    ]
    assert events == found
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]


def test_unroutable_mail_on_two_domains_is_recorded_for_each(mailbox: MailSink) -> None:
    second = domains.create_domain(
        mailbox.container.uow,
        mailbox.container.verifier.identities,
        "us-east-1",
        mailbox.organization_id,
        "example.org",
        domains.DomainSettings(),
    )
    with psycopg.connect(mailbox.database_url, autocommit=True) as conn:
        conn.execute("UPDATE domains SET mx_verified = true WHERE id = %s", [second.id])
    envelope = ["nobody@example.com", "nobody@example.org"]

    received = deliver(mailbox, make_mail(to=", ".join(envelope)), envelope=envelope)

    assert sorted(received.unroutable) == sorted(envelope)
    found = rows(mailbox, "SELECT recipients FROM unroutable_messages ORDER BY recipients")
    events = rows(mailbox, "SELECT count(*) FROM events WHERE type = 'message.unroutable'")
    assert found == [(["nobody@example.com"],), (["nobody@example.org"],)]
    assert events == [(2,)]


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

    received = deliver(mailbox, make_mail(to=", ".join(envelope)), envelope=envelope)

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

    received = deliver(mailbox, make_mail(to="nobody@example.com"), envelope=["nobody@example.com"])

    assert (received.stored, received.unroutable) == ((), ())
    assert rows(mailbox, "SELECT count(*) FROM unroutable_messages") == [(0,)]
    assert rows(mailbox, "SELECT count(*) FROM events") == [(0,)]


def test_a_catch_all_inbox_takes_unknown_addresses(mailbox: MailSink, tenant: Tenant) -> None:
    domain_id = rows(mailbox, "SELECT id FROM domains")[0][0]
    catch_all = inboxes.create_inbox(
        mailbox.container.uow,
        mailbox.organization_id,
        domain_id=domain_id,
        local_part="everything",
        catch_all=True,
    )

    received = deliver(mailbox, make_mail(to="nobody@example.com"), envelope=["nobody@example.com"])

    assert received.stored[0].inbox_id == catch_all.id


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
    received = deliver(mailbox, make_mail(), verdicts=verdicts, dmarc_policy=policy)

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

    received = deliver(mailbox, make_mail(extra=headers))

    found = rows(mailbox, "SELECT quarantine_reason FROM messages")
    assert received.quarantine_reason == "too_many_headers"
    assert found == [("too_many_headers",)]


def test_a_late_parent_merges_the_threads_of_its_replies(mailbox: MailSink) -> None:
    a = deliver(
        mailbox,
        make_mail(message_id="<a@x>", extra="In-Reply-To: <p@x>\r\n", subject="Re: Plan"),
        source_id="1",
    ).stored[0]
    b = deliver(
        mailbox,
        make_mail(message_id="<b@x>", extra="References: <p@x> <zz@x>\r\n", subject="Re: Plan"),
        source_id="2",
    ).stored[0]
    parent = deliver(mailbox, make_mail(message_id="<p@x>", subject="Plan"), source_id="3").stored[
        0
    ]

    threads = rows(mailbox, "SELECT DISTINCT thread_id FROM messages")
    assert a.thread_id == b.thread_id
    assert threads == [(parent.thread_id,)]


def test_mail_through_one_mailing_list_threads_by_subject(mailbox: MailSink) -> None:
    list_id = 'List-Id: "Board" <board.lists.example>\r\n'
    first = deliver(
        mailbox,
        make_mail(message_id="<q1@x>", subject="Quarterly numbers for the board", extra=list_id),
        source_id="ses-q1",
    ).stored[0]
    raw = make_mail(
        message_id="<q2@x>", subject="Re: Quarterly numbers for the board", extra=list_id
    ).replace(b"From: Alice <alice@elsewhere.example>", b"From: Bob <bob@other.example>")

    reply = deliver(mailbox, raw, source_id="ses-q2").stored[0]

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

    monkeypatch.setattr(receive_service, "assign_thread", decide_then_wait)

    def arrive(container: Container, mid: str) -> None:
        box = MailSink(
            container, mailbox.blobs, database_url, mailbox.organization_id, mailbox.support
        )
        results.append(
            deliver(
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
        deliver(broken, raw)

    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]
    assert rows(mailbox, "SELECT count(*) FROM threads") == [(0,)]
    stored = deliver(mailbox, raw).stored[0]
    attachments = rows(
        mailbox, "SELECT filename, size_bytes FROM attachments WHERE message_id = %s", stored.id
    )
    assert attachments == [("a.pdf", 5)]
