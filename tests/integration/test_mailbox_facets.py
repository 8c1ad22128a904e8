"""The listing and counting tables migration 0020 keeps (thread_facets, mailbox_counts): exact
after every kind of write to messages, whoever writes it."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from ..mail import make_mail
from .mail_helpers import MailSink, mailbox_counts, receive_raw, recounted, rows

pytestmark = pytest.mark.usefixtures("mailbox")


def _facets(box: MailSink) -> set[tuple[Any, ...]]:
    return set(
        rows(
            box,
            "SELECT thread_id, facet, messages, unread FROM thread_facets WHERE inbox_id = %s",
            box.support,
        )
    )


def _other_thread(box: MailSink) -> Any:
    [(thread,)] = rows(box, "SELECT thread_id FROM messages WHERE subject = 'Something else'")
    return thread


def _until_one_waits_on_a_lock(box: MailSink) -> None:
    for _ in range(100):
        [(waiting,)] = rows(
            box,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()",
        )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the second transaction never waited on the first")


def _execute(box: MailSink, sql: str, *params: Any) -> None:
    with psycopg.connect(box.database_url, autocommit=True) as conn:
        conn.execute(sql, params)


def _two_threads(box: MailSink) -> None:
    receive_raw(box, make_mail(), source_id="1")
    receive_raw(
        box,
        make_mail(
            message_id="<m2@elsewhere.example>",
            extra="In-Reply-To: <m1@elsewhere.example>\r\n",
            subject="Re: Order 1234",
        ),
        source_id="2",
    )
    receive_raw(
        box,
        make_mail(message_id="<other@elsewhere.example>", subject="Something else"),
        source_id="3",
    )


def test_received_mail_is_counted_in_the_inbox_unread(mailbox: MailSink) -> None:
    _two_threads(mailbox)

    counts = mailbox_counts(mailbox)

    assert counts["in:inbox"] == (3, 3)
    assert counts["all"] == (3, 3)
    assert counts["is:unread"] == (3, 3)
    assert counts["dir:inbound"] == (3, 3)
    assert counts == recounted(mailbox)
    threads = rows(
        mailbox,
        "SELECT thread_id, messages, unread FROM thread_facets WHERE facet = 'in:inbox' "
        "ORDER BY messages",
    )
    assert [(n, u) for _, n, u in threads] == [(1, 1), (2, 2)]


def test_marking_read_starring_and_labelling_move_the_counts(mailbox: MailSink) -> None:
    _two_threads(mailbox)

    _execute(
        mailbox,
        "UPDATE messages SET is_read = true, starred = true, labels = '{vip,vip,billing}' "
        "WHERE message_id = '<m1@elsewhere.example>'",
    )

    counts = mailbox_counts(mailbox)
    assert counts["in:inbox"] == (3, 2)
    assert counts["is:starred"] == (1, 0)
    assert counts["label:vip"] == (1, 0)
    assert counts["label:billing"] == (1, 0)
    assert counts == recounted(mailbox)
    unread = rows(mailbox, "SELECT unread_count FROM threads WHERE subject = 'Order 1234'")
    assert unread == [(1,)]


def test_trash_and_spam_carry_only_their_folder(mailbox: MailSink) -> None:
    _two_threads(mailbox)

    _execute(mailbox, "UPDATE messages SET folder = 'trash' WHERE subject = 'Something else'")

    counts = mailbox_counts(mailbox)
    assert counts["in:trash"] == (1, 1)
    assert counts["all"] == (2, 2)
    assert counts["is:unread"] == (2, 2)
    assert counts == recounted(mailbox)
    trashed = {f for _, f, _, _ in _facets(mailbox) if f.startswith("in:")}
    assert trashed == {"in:inbox", "in:trash"}


def test_deleting_rows_and_moving_between_threads_keep_facets_exact(mailbox: MailSink) -> None:
    _two_threads(mailbox)
    first, second = (
        r[0]
        for r in rows(
            mailbox,
            "SELECT DISTINCT thread_id FROM messages ORDER BY thread_id",
        )
    )

    _execute(mailbox, "UPDATE messages SET thread_id = %s WHERE thread_id = %s", first, second)
    moved = _facets(mailbox)
    _execute(
        mailbox,
        "WITH gone AS (SELECT id FROM messages WHERE subject = 'Something else'), "
        "refs AS (UPDATE message_references SET message_pk = NULL "
        "  WHERE message_pk IN (SELECT id FROM gone)), "
        "recipients AS (DELETE FROM message_recipients WHERE message_id IN (SELECT id FROM gone)) "
        "DELETE FROM messages WHERE id IN (SELECT id FROM gone)",
    )

    assert {t for t, *_ in moved} == {first}
    assert ("in:inbox", 3) in {(f, n) for _, f, n, _ in moved}
    assert mailbox_counts(mailbox) == recounted(mailbox)
    assert {(f, n) for _, f, n, _ in _facets(mailbox) if f == "all"} == {("all", 2)}


def test_quarantined_mail_is_counted_nowhere(mailbox: MailSink) -> None:
    receive_raw(mailbox, make_mail(), source_id="1", verdicts={"spam": "PASS", "virus": "FAIL"})

    assert mailbox_counts(mailbox) == {}
    assert _facets(mailbox) == set()


FORGED = (
    "SELECT mailbox_count_changes('{}', ARRAY[ROW(%(org)s, %(inbox)s, NULL, 'inbox', false, "
    "false, false, '{}', 0, 'inbound', 'x@forged.example', now())::mailbox_row])",
    "SELECT mailbox_apply('{}', ARRAY[ROW(%(org)s, %(inbox)s, NULL, 'inbox', false, "
    "false, false, '{}', 0, 'inbound', 'x@forged.example', now())::mailbox_row])",
    "SELECT mailbox_rebuild_threads(ARRAY(SELECT gen_random_uuid()))",
)


@pytest.mark.parametrize("statement", FORGED, ids=["count_changes", "apply", "rebuild_threads"])
def test_a_tenant_cannot_call_the_functions_that_write_the_counts(
    mailbox: MailSink, statement: str
) -> None:
    """They run as their owner (SECURITY DEFINER), past row-level security, on whatever rows
    they are given: only the trigger may call them, else a tenant's transaction could write
    any organisation's counts (the tenant may only read them)."""
    before = mailbox_counts(mailbox)
    with psycopg.connect(mailbox.database_url) as conn:
        conn.execute(
            "SELECT set_config('role', 'mailman_tenant', true), "
            "set_config('mailman.organization_id', %s, true)",
            [str(mailbox.organization_id)],
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement, {"org": mailbox.organization_id, "inbox": mailbox.support})
    assert mailbox_counts(mailbox) == before


def test_two_transactions_changing_one_thread_at_once_both_commit(mailbox: MailSink) -> None:
    """Each rebuilds the thread's facets (delete, then insert): the second must wait for the
    first and rebuild after it, not insert beside the rows the first just wrote (a unique
    violation) nor leave them stale."""
    _two_threads(mailbox)
    [(first, second)] = rows(
        mailbox,
        "SELECT min(id::text)::uuid, max(id::text)::uuid FROM messages "
        "GROUP BY thread_id HAVING count(*) = 2",
    )
    failures: list[BaseException] = []
    with psycopg.connect(mailbox.database_url) as one:
        one.execute("UPDATE messages SET starred = true WHERE id = %s", [first])

        def other() -> None:
            try:
                with psycopg.connect(mailbox.database_url) as two:
                    two.execute("UPDATE messages SET is_read = true WHERE id = %s", [second])
            except BaseException as exc:  # reported below, in the test's thread
                failures.append(exc)

        waiting = threading.Thread(target=other)
        waiting.start()
        _until_one_waits_on_a_lock(mailbox)
        one.commit()
    waiting.join(10)

    assert failures == []
    assert mailbox_counts(mailbox) == recounted(mailbox)
    facets = {(f, n, u) for t, f, n, u in _facets(mailbox) if t != _other_thread(mailbox)}
    assert {("is:starred", 1, 1), ("is:unread", 1, 1), ("all", 2, 1)} <= facets


def _rebuilt(box: MailSink) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every thread's facets and unread count as the trigger left them, and as
    mailbox_rebuild_threads makes them from the messages (rolled back)."""
    select = (
        "SELECT f.thread_id, f.facet, f.messages, f.unread, f.last_at, t.unread_count "
        "FROM threads t LEFT JOIN thread_facets f ON f.thread_id = t.id ORDER BY 1, 2"
    )
    with psycopg.connect(box.database_url) as conn:
        kept = conn.execute(select).fetchall()
        conn.execute("SELECT mailbox_rebuild_threads(ARRAY(SELECT id FROM threads))")
        rebuilt = conn.execute(select).fetchall()
        conn.rollback()
    return kept, rebuilt


def _at(box: MailSink, message_id: str) -> Any:
    [(at,)] = rows(
        box,
        "SELECT COALESCE(received_at, sent_at, created_at) FROM messages WHERE message_id = %s",
        message_id,
    )
    return at


CHANGES = (
    "UPDATE messages SET is_read = true WHERE message_id = '<m2@elsewhere.example>'",
    "UPDATE messages SET is_read = NOT is_read, starred = NOT starred",
    "UPDATE messages SET labels = '{vip,billing}' WHERE subject LIKE '%%Order%%'",
    "UPDATE messages SET received_at = received_at - interval '1 day' "
    "WHERE message_id = '<m1@elsewhere.example>'",
    "UPDATE messages SET folder = 'trash' WHERE message_id = '<m2@elsewhere.example>'",
    "UPDATE messages SET folder = 'archive', labels = '{}' WHERE folder = 'trash'",
    "UPDATE messages SET erase_requested_at = now() WHERE subject = 'Something else'",
    "UPDATE messages SET is_read = false",
)


def test_each_change_leaves_the_facets_a_rebuild_would_make(mailbox: MailSink) -> None:
    """The trigger applies a change to the facets it touches rather than rebuilding the
    thread (migration 0027): after each kind of change, the figures, the facets' times and
    the threads' unread counts are those mailbox_rebuild_threads makes from the messages."""
    _two_threads(mailbox)
    receive_raw(
        mailbox,
        make_mail(
            message_id="<m3@elsewhere.example>",
            extra="In-Reply-To: <m2@elsewhere.example>\r\n",
            subject="Re: Order 1234",
        ),
        source_id="4",
    )

    for change in CHANGES:
        _execute(mailbox, change)
        kept, rebuilt = _rebuilt(mailbox)
        assert kept == rebuilt, change
        assert mailbox_counts(mailbox) == recounted(mailbox), change


def test_marking_the_newest_unread_message_read_dates_the_unread_facet_by_the_next(
    mailbox: MailSink,
) -> None:
    """A facet's time is its newest message's: when that message leaves the facet (here
    `is:unread`, by being read), the time is read again from the thread's messages, not
    kept, nor taken from the message that left."""
    _two_threads(mailbox)
    _execute(
        mailbox,
        "UPDATE messages SET received_at = received_at + interval '1 hour' "
        "WHERE message_id = '<m2@elsewhere.example>'",
    )

    _execute(
        mailbox, "UPDATE messages SET is_read = true WHERE message_id = '<m2@elsewhere.example>'"
    )

    [(thread,)] = rows(
        mailbox, "SELECT thread_id FROM messages WHERE message_id = '<m2@elsewhere.example>'"
    )
    facets = {f: (n, u, at) for t, f, n, u, at in _facets_dated(mailbox) if t == thread}
    assert facets["is:unread"] == (1, 1, _at(mailbox, "<m1@elsewhere.example>"))
    assert facets["all"] == (2, 1, _at(mailbox, "<m2@elsewhere.example>"))
    assert rows(mailbox, "SELECT unread_count FROM threads WHERE id = %s", thread) == [(1,)]


def test_a_facet_left_by_its_last_message_is_deleted(mailbox: MailSink) -> None:
    _two_threads(mailbox)

    _execute(mailbox, "UPDATE messages SET starred = true WHERE subject = 'Something else'")
    _execute(mailbox, "UPDATE messages SET starred = false WHERE subject = 'Something else'")

    assert "is:starred" not in {f for _, f, _, _ in _facets(mailbox)}
    assert mailbox_counts(mailbox) == recounted(mailbox)


def _facets_dated(box: MailSink) -> list[tuple[Any, ...]]:
    return rows(
        box,
        "SELECT thread_id, facet, messages, unread, last_at FROM thread_facets WHERE inbox_id = %s",
        box.support,
    )


def test_marking_mail_read_or_starred_is_a_hot_update(mailbox: MailSink) -> None:
    """Migration 0027 leaves room on each page of messages (fillfactor 75), and none of the
    flags is indexed nor read by the generated search vector: the new version of a row stays
    on its page and no index (the GIN index over the search vector least of all) takes an
    entry for it. The facets' unread figures the trigger moves (thread_facets, fillfactor 80)
    are updated in place alike."""
    _two_threads(mailbox)
    with psycopg.connect(mailbox.database_url) as conn:
        options: dict[str, list[str]] = dict(
            conn.execute(
                "SELECT relname, reloptions FROM pg_class "
                "WHERE relname IN ('messages', 'thread_facets', 'threads') AND relkind = 'r'"
            ).fetchall()
        )
        search = conn.execute("SELECT id, search FROM messages ORDER BY id").fetchall()
        # The message alone in its thread, so that no facet's newest time moves: marking the
        # newer of a thread's two messages read would move the time of the thread's `is:unread`
        # facet to the older one, and `last_at` is in thread_facets_listing (not a HOT update,
        # rightly). Choosing by id, a random UUID, made that a matter of chance.
        conn.execute(
            "UPDATE messages SET is_read = true, starred = true, labels = '{vip}', "
            "updated_at = now() WHERE subject = 'Something else'"
        )
        [(updated, hot, facets_updated, facets_hot)] = conn.execute(
            "SELECT pg_stat_get_xact_tuples_updated('messages'::regclass), "
            "pg_stat_get_xact_tuples_hot_updated('messages'::regclass), "
            "pg_stat_get_xact_tuples_updated('thread_facets'::regclass), "
            "pg_stat_get_xact_tuples_hot_updated('thread_facets'::regclass)"
        ).fetchall()
        assert conn.execute("SELECT id, search FROM messages ORDER BY id").fetchall() == search

    assert options == {
        "messages": ["fillfactor=75"],
        "thread_facets": ["fillfactor=80"],
        "threads": ["fillfactor=90"],
    }
    assert (updated, hot) == (1, 1)
    assert facets_updated > 0
    assert facets_hot == facets_updated
