"""`PostgresThreadIndex`: threading's index in the tenant's transaction.

Ids live in `message_references` (phantoms as kind `referenced`), subjects in
`thread_subjects`, participants in `thread_participants`. `lock` takes a transaction-scoped
advisory lock per inbox, so two replies arriving at once are threaded one after the other
and cannot start two threads of one conversation.

The reads are planned on every call, even on a connection that prepares statements: a plan
kept from when the tables were small goes on scanning them whole as they grow.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

from mailman.adapters.postgres.database import Connection
from mailman.domain.threads import (
    ContextQuery,
    SubjectActivity,
    ThreadActivity,
    ThreadContext,
    ThreadIds,
    ThreadLink,
)


class PostgresThreadIndex:
    def __init__(self, conn: Connection, organization_id: UUID) -> None:
        self._conn = conn
        self._organization_id = organization_id

    def lock(self, inbox_id: UUID) -> None:
        self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 7246813))", [f"thread:{inbox_id}"]
        )

    def links(self, inbox_id: UUID, message_ids: Sequence[str]) -> dict[str, ThreadLink]:
        if not message_ids:
            return {}
        rows = self._conn.execute(
            "SELECT message_id, thread_id, kind <> 'referenced' AS seen FROM message_references "
            "WHERE inbox_id = %s AND message_id = ANY(%s)",
            [inbox_id, list(message_ids)],
            prepare=False,
        ).fetchall()
        return {r["message_id"]: ThreadLink(r["thread_id"], r["seen"]) for r in rows}

    def contexts(self, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        """One statement for every query: each key probes its index (a LATERAL join, so the
        plan cannot turn into a scan of the inbox); link rows have no subject key."""
        links_of = [(n, q.inbox_id, mid) for n, q in enumerate(queries) for mid in q.message_ids]
        keys_of = [
            (n, q.inbox_id, key, *q.window)
            for n, q in enumerate(queries)
            if q.window is not None
            for key in q.subject_keys
        ]
        statement = (
            "SELECT k.n, r.message_id, r.thread_id, r.kind <> 'referenced' AS seen, "
            "  NULL::text AS key, NULL::timestamptz AS first_at, NULL::timestamptz AS last_at, "
            "  NULL::boolean AS awaiting, NULL::text[] AS participants "
            "FROM unnest(%(l_n)s::int[], %(l_inbox)s::uuid[], %(l_id)s::text[]) "
            "  AS k(n, inbox, mid) "
            "CROSS JOIN LATERAL (SELECT message_id, thread_id, kind FROM message_references "
            "  WHERE inbox_id = k.inbox AND message_id = k.mid) r"
        )
        if keys_of:
            statement += (
                " UNION ALL "
                "SELECT k.n, NULL, s.thread_id, NULL, s.subject_key, s.first_at, s.last_at, "
                "  t.loose AND NOT t.rooted, ARRAY(SELECT p.address FROM thread_participants p "
                "    WHERE p.thread_id = s.thread_id) "
                "FROM unnest(%(s_n)s::int[], %(s_inbox)s::uuid[], %(s_key)s::text[], "
                "  %(s_start)s::timestamptz[], %(s_end)s::timestamptz[]) "
                "  AS k(n, inbox, key, start_at, end_at) "
                "CROSS JOIN LATERAL (SELECT thread_id, subject_key, first_at, last_at "
                "  FROM thread_subjects WHERE inbox_id = k.inbox AND subject_key = k.key "
                "  AND first_at <= k.end_at AND last_at >= k.start_at) s "
                "JOIN threads t ON t.id = s.thread_id"
            )
        rows = self._conn.execute(
            statement,
            {
                "l_n": [n for n, _, _ in links_of],
                "l_inbox": [inbox for _, inbox, _ in links_of],
                "l_id": [mid for _, _, mid in links_of],
                "s_n": [k[0] for k in keys_of],
                "s_inbox": [k[1] for k in keys_of],
                "s_key": [k[2] for k in keys_of],
                "s_start": [k[3] for k in keys_of],
                "s_end": [k[4] for k in keys_of],
            },
            prepare=False,
        ).fetchall()
        answers = [
            ThreadContext({}, {key: [] for key in q.subject_keys} if q.window else {})
            for q in queries
        ]
        for r in rows:
            answer = answers[r["n"]]
            if r["key"] is None:
                answer.links[r["message_id"]] = ThreadLink(r["thread_id"], r["seen"])
            else:
                answer.activity[r["key"]].append(
                    SubjectActivity(
                        thread_id=r["thread_id"],
                        first_at=r["first_at"],
                        last_at=r["last_at"],
                        participants=frozenset(r["participants"]),
                        awaiting_parent=r["awaiting"],
                    )
                )
        return answers

    def create_thread(self, inbox_id: UUID, thread_id: UUID) -> None:
        self._conn.execute(
            "INSERT INTO threads (id, organization_id, inbox_id) VALUES (%s, %s, %s)",
            [thread_id, self._organization_id, inbox_id],
        )

    def merge_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        self._fold(inbox_id, into, others, keep_flags=False)

    def adopt_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        self._fold(inbox_id, into, others, keep_flags=True)

    def _fold(
        self, inbox_id: UUID, into: UUID, others: Collection[UUID], *, keep_flags: bool
    ) -> None:
        moved = list(others)
        if not moved:
            return
        params = {"into": into, "others": moved, "inbox": inbox_id, "keep": keep_flags}
        for statement in (
            "UPDATE message_references SET thread_id = %(into)s "
            "WHERE inbox_id = %(inbox)s AND thread_id = ANY(%(others)s)",
            "INSERT INTO thread_subjects "
            "  (organization_id, inbox_id, thread_id, subject_key, first_at, last_at) "
            "SELECT organization_id, inbox_id, %(into)s, subject_key, min(first_at), "
            "  max(last_at) FROM thread_subjects WHERE thread_id = ANY(%(others)s) "
            "  GROUP BY organization_id, inbox_id, subject_key "
            "ON CONFLICT (thread_id, subject_key) DO UPDATE SET "
            "  first_at = LEAST(thread_subjects.first_at, EXCLUDED.first_at), "
            "  last_at = GREATEST(thread_subjects.last_at, EXCLUDED.last_at)",
            "DELETE FROM thread_subjects WHERE thread_id = ANY(%(others)s)",
            "INSERT INTO thread_participants (organization_id, thread_id, address) "
            "SELECT organization_id, %(into)s, address FROM thread_participants "
            "WHERE thread_id = ANY(%(others)s) ON CONFLICT DO NOTHING",
            "DELETE FROM thread_participants WHERE thread_id = ANY(%(others)s)",
            "UPDATE threads SET "
            "  rooted = rooted OR (NOT %(keep)s AND EXISTS ("
            "    SELECT 1 FROM threads o WHERE o.id = ANY(%(others)s) AND o.rooted)), "
            "  loose = loose OR (NOT %(keep)s AND EXISTS ("
            "    SELECT 1 FROM threads o WHERE o.id = ANY(%(others)s) AND o.loose)), "
            "  updated_at = now() WHERE id = %(into)s",
            "UPDATE messages SET thread_id = %(into)s WHERE thread_id = ANY(%(others)s)",
            "UPDATE threads SET merged_into_id = %(into)s, updated_at = now() "
            "WHERE id = ANY(%(others)s) OR merged_into_id = ANY(%(others)s)",
        ):
            self._conn.execute(statement, params)

    def add_ids(self, ids: ThreadIds) -> None:
        if not ids.seen and not ids.referenced:
            return
        self._conn.execute(
            "WITH seen AS ("
            "  INSERT INTO message_references (organization_id, inbox_id, message_id, "
            "    thread_id, kind) SELECT %(org)s, %(inbox)s, id, %(thread)s, 'header' "
            "  FROM (SELECT DISTINCT unnest(%(seen)s::text[]) AS id) ids "
            "  ON CONFLICT (inbox_id, message_id) DO UPDATE SET thread_id = EXCLUDED.thread_id, "
            "  kind = CASE WHEN message_references.kind = 'referenced' THEN 'header' "
            "  ELSE message_references.kind END) "
            "INSERT INTO message_references (organization_id, inbox_id, message_id, "
            "thread_id, kind) SELECT %(org)s, %(inbox)s, id, %(thread)s, 'referenced' "
            "FROM (SELECT DISTINCT unnest(%(referenced)s::text[]) AS id) ids "
            "WHERE id <> ALL(%(seen)s::text[]) "
            "ON CONFLICT (inbox_id, message_id) DO NOTHING",
            {
                "org": self._organization_id,
                "inbox": ids.inbox_id,
                "thread": ids.thread_id,
                "seen": list(ids.seen),
                "referenced": list(ids.referenced),
            },
        )

    def add_activity(self, activity: ThreadActivity) -> None:
        """One statement: the flags, the participants and the subject keys."""
        self._conn.execute(
            "WITH flags AS ("
            "  UPDATE threads SET rooted = rooted OR %(rooted)s, loose = loose OR %(loose)s "
            "  WHERE id = %(thread)s AND (%(rooted)s OR %(loose)s)), "
            "people AS ("
            "  INSERT INTO thread_participants (organization_id, thread_id, address) "
            "  SELECT %(org)s, %(thread)s, unnest(%(addresses)s::text[]) "
            "  ON CONFLICT DO NOTHING) "
            "INSERT INTO thread_subjects "
            "  (organization_id, inbox_id, thread_id, subject_key, first_at, last_at) "
            "SELECT %(org)s, %(inbox)s, %(thread)s, key, %(at)s::timestamptz, %(at)s::timestamptz "
            "FROM (SELECT DISTINCT unnest(%(keys)s::text[]) AS key) keys "
            "ON CONFLICT (thread_id, subject_key) DO UPDATE SET "
            "  first_at = LEAST(thread_subjects.first_at, EXCLUDED.first_at), "
            "  last_at = GREATEST(thread_subjects.last_at, EXCLUDED.last_at)",
            {
                "org": self._organization_id,
                "inbox": activity.inbox_id,
                "thread": activity.thread_id,
                "rooted": activity.starts_conversation,
                "loose": activity.awaits_parent,
                "addresses": sorted(set(activity.participants)),
                "at": activity.at,
                "keys": list(activity.subject_keys) if activity.at is not None else [],
            },
        )
