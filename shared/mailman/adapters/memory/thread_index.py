"""`InMemoryThreadIndex`: the `ThreadIndex` port held in dictionaries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from mailman.domain.threads import (
    ContextQuery,
    SubjectActivity,
    ThreadActivity,
    ThreadContext,
    ThreadIds,
    ThreadLink,
)


@dataclass
class _Thread:
    rooted: bool = False
    loose: bool = False
    ids: set[str] = field(default_factory=set)
    subjects: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    participants: set[str] = field(default_factory=set)


class InMemoryThreadIndex:
    def __init__(self) -> None:
        self._links: dict[tuple[UUID, str], ThreadLink] = {}
        self._threads: dict[tuple[UUID, UUID], _Thread] = {}
        self._by_subject: dict[tuple[UUID, str], set[UUID]] = {}

    def lock(self, inbox_id: UUID) -> None:
        """One process, one caller at a time: nothing to serialise."""

    def links(self, inbox_id: UUID, message_ids: Sequence[str]) -> dict[str, ThreadLink]:
        found = {mid: self._links.get((inbox_id, mid)) for mid in message_ids}
        return {mid: link for mid, link in found.items() if link is not None}

    def contexts(self, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        answers = []
        for query in queries:
            activity = {}
            if query.window is not None:
                start, end = query.window
                activity = {
                    key: self._activity(query.inbox_id, key, start, end)
                    for key in query.subject_keys
                }
            answers.append(ThreadContext(self.links(query.inbox_id, query.message_ids), activity))
        return answers

    def _activity(
        self, inbox_id: UUID, subject_key: str, start: datetime, end: datetime
    ) -> list[SubjectActivity]:
        found = []
        for thread_id in self._by_subject.get((inbox_id, subject_key), ()):
            thread = self._threads[inbox_id, thread_id]
            first_at, last_at = thread.subjects[subject_key]
            if first_at <= end and last_at >= start:
                found.append(
                    SubjectActivity(
                        thread_id=thread_id,
                        first_at=first_at,
                        last_at=last_at,
                        participants=frozenset(thread.participants),
                        awaiting_parent=thread.loose and not thread.rooted,
                    )
                )
        return found

    def create_thread(self, inbox_id: UUID, thread_id: UUID) -> None:
        self._threads[inbox_id, thread_id] = _Thread()

    def merge_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        target = self._threads[inbox_id, into]
        for other_id in others:
            other = self._threads[inbox_id, other_id]
            target.rooted = target.rooted or other.rooted
            target.loose = target.loose or other.loose
        self.adopt_threads(inbox_id, into, others)

    def adopt_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        target = self._threads[inbox_id, into]
        for other_id in others:
            other = self._threads.pop((inbox_id, other_id))
            for mid in other.ids:
                self._links[inbox_id, mid] = ThreadLink(into, self._links[inbox_id, mid].seen)
            target.ids |= other.ids
            for key, (first_at, last_at) in other.subjects.items():
                self._widen(inbox_id, into, key, first_at, last_at)
                self._by_subject[inbox_id, key].discard(other_id)
            target.participants |= other.participants

    def add_ids(self, ids: ThreadIds) -> None:
        inbox_id, thread_id = ids.inbox_id, ids.thread_id
        thread = self._threads[inbox_id, thread_id]
        for mid in ids.seen:
            self._links[inbox_id, mid] = ThreadLink(thread_id, seen=True)
            thread.ids.add(mid)
        for mid in ids.referenced:
            if (inbox_id, mid) not in self._links:
                self._links[inbox_id, mid] = ThreadLink(thread_id, seen=False)
                thread.ids.add(mid)

    def add_activity(self, activity: ThreadActivity) -> None:
        thread = self._threads[activity.inbox_id, activity.thread_id]
        thread.participants.update(activity.participants)
        thread.rooted = thread.rooted or activity.starts_conversation
        thread.loose = thread.loose or activity.awaits_parent
        if activity.at is not None:
            for key in activity.subject_keys:
                self._widen(activity.inbox_id, activity.thread_id, key, activity.at, activity.at)

    def _widen(
        self, inbox_id: UUID, thread_id: UUID, key: str, first_at: datetime, last_at: datetime
    ) -> None:
        subjects = self._threads[inbox_id, thread_id].subjects
        if key in subjects:
            known_first, known_last = subjects[key]
            first_at, last_at = min(first_at, known_first), max(last_at, known_last)
        subjects[key] = (first_at, last_at)
        self._by_subject.setdefault((inbox_id, key), set()).add(thread_id)

    def participants(self, inbox_id: UUID, thread_id: UUID) -> frozenset[str]:
        """Everyone the thread's messages name, the inbox's own address aside."""
        return frozenset(self._threads[inbox_id, thread_id].participants)
