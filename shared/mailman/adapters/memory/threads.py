"""`InMemoryThreads`: the `ThreadIndex` port over the store's `InMemoryThreadIndex`, keeping
each thread's row (its listing columns, where it was merged) as PostgreSQL's `threads`
table does, and moving the messages of threads folded into another."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from uuid import UUID

from mailman.adapters.memory.tables import Scope, ThreadRow
from mailman.domain.threads import (
    ContextQuery,
    ThreadActivity,
    ThreadContext,
    ThreadIds,
    ThreadLink,
)


class InMemoryThreads:
    """Threading reads by inbox: the services reach an inbox only through the tenant's scope,
    and an inbox is one organisation's."""

    def __init__(self, scope: Scope, organization_id: UUID) -> None:
        self._scope = scope
        self._tables = scope.tables
        self._index = scope.tables.thread_index
        self._organization_id = organization_id

    def lock(self, inbox_id: UUID) -> None:
        self._index.lock(inbox_id)

    def links(self, inbox_id: UUID, message_ids: Sequence[str]) -> dict[str, ThreadLink]:
        return self._index.links(inbox_id, message_ids)

    def contexts(self, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        return self._index.contexts(queries)

    def create_thread(self, inbox_id: UUID, thread_id: UUID) -> None:
        self._scope.check_inbox(inbox_id)
        self._index.create_thread(inbox_id, thread_id)
        self._tables.threads[thread_id] = ThreadRow(
            thread_id, self._organization_id, inbox_id, self._scope.stamp()
        )

    def merge_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        self._index.merge_threads(inbox_id, into, others)
        self._fold(into, others)

    def adopt_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        self._index.adopt_threads(inbox_id, into, others)
        self._fold(into, others)

    def _fold(self, into: UUID, others: Collection[UUID]) -> None:
        for row in self._tables.messages.values():
            if row.message.thread_id in others:
                row.message = replace(row.message, thread_id=into)
        for thread in self._tables.threads.values():
            if thread.id in others or thread.merged_into in others:
                thread.merged_into = into

    def add_ids(self, ids: ThreadIds) -> None:
        self._index.add_ids(ids)

    def add_activity(self, activity: ThreadActivity) -> None:
        self._index.add_activity(activity)
