"""Thread resolution: which conversation of an inbox a message belongs to.

Pure rules over a `ThreadIndex` port; nothing here does I/O of its own. For a
message arriving in (or sent from) an inbox:

1. `in_reply_to`: an id of In-Reply-To is known in the inbox: join its thread.
2. `references`: else an id of References is known, newest first: join its thread.
3. `subject`: else, for a header-less message (no usable In-Reply-To or
   References) with a Date: join the conversation that carried the same
   subject key (`mailman.domain.subjects`) recently and shares a participant.
   * With a reply or forward prefix and a specific subject: active within 30 days.
   * Without a prefix: active within 7 days. Archivers, list gateways and some
     clients drop the prefix, and people re-send a question unanswered.
   * A generic subject ("Re: help", "(no subject)") says nothing by itself: it
     needs a prefix, and the sender must have taken part in that conversation,
     or it must be the only one with a shared participant active in the last
     day. So a bare "Hello" never merges two strangers' mail.
   The most recently active candidate wins; one that awaits its parent last.
4. `merged`: else the message's own id is already referenced by stored messages
   (it arrived after its replies): join their thread.
5. `new`: else start a thread.

"Known" ids include phantoms: ids referenced by stored messages but never seen
themselves (a parent sent off-list, or not arrived yet), so two replies to the
same missing parent share a thread. Every id a message names links it: when
those ids lie in several threads, or its own id was referenced from several,
those threads merge into the chosen one (`merged_thread_ids`). So with headers
the result does not depend on arrival order. Mailing-list digest ids are
ignored: everyone who answers a digest names it, and it would merge unrelated
conversations.

Subject matching only attaches a header-less message (with the replies that
name it); two threads anchored by headers never merge on their subject. When a
header-less reply with a specific subject finds no conversation, it starts one
that awaits its parent; a thread that later carries the same subject key,
within the window and sharing a participant, adopts it (`adopted_thread_ids`),
so the order in which a reply and its parent arrive does not matter either.

Participants overlap when the two sides share an address: a sender, a
recipient, or the mailing list a message came through (its List-Id), the
inbox's own address aside since every message of the inbox is addressed to it.
On a mailing list everyone shares the list, so there the subject rule comes
down to "same specific subject, recent"; in a personal or support inbox two
strangers writing "Re: Invoice" never share a thread.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from mailman.domain.message_ids import is_digest_id, parse_ids, parse_message_id
from mailman.domain.models import MatchReason
from mailman.domain.subjects import has_reply_prefix, is_generic, subject_keys
from mailman.domain.threads import (
    ContextQuery,
    SubjectActivity,
    ThreadActivity,
    ThreadContext,
    ThreadIds,
    ThreadIndex,
    ThreadLink,
)

_THREAD_NAMESPACE = UUID("6f0b3c56-2a4e-4d59-9a43-0a6b1d4c8e21")


@dataclass(frozen=True, slots=True)
class ThreadingInput:
    """What threading needs of one message of one inbox.

    Ids are canonical `<local@domain>` (see `mailman.domain.message_ids`);
    `date` is the Date header (or, failing that, the time of receipt) and must be
    timezone-aware. `participants` are the message's other addresses (To, Cc,
    the list it came through), never the inbox's own address.
    """

    inbox_id: UUID
    message_id: str
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    from_address: str = ""
    participants: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.date is not None and self.date.utcoffset() is None:
            raise ValueError("ThreadingInput.date must be timezone-aware")

    @classmethod
    def from_headers(
        cls,
        inbox_id: UUID,
        *,
        message_id: str,
        in_reply_to: str | None,
        references: str | None,
        subject: str | None,
        date: datetime | None,
        from_address: str,
        participants: Iterable[str],
    ) -> ThreadingInput:
        """Build the input from raw header values, parsing the ids leniently."""
        return cls(
            inbox_id=inbox_id,
            message_id=parse_message_id(message_id) or message_id.strip(),
            in_reply_to=parse_ids(in_reply_to),
            references=parse_ids(references),
            subject=subject or "",
            date=date,
            from_address=from_address,
            participants=frozenset(participants),
        )


@dataclass(frozen=True, slots=True)
class ThreadingPolicy:
    subject_window: timedelta = timedelta(days=30)
    """How long after its thread's last message (by Date) a header-less reply may join it."""
    unprefixed_window: timedelta = timedelta(days=7)
    """The same for a header-less message without a reply prefix; zero turns that off."""
    generic_window: timedelta = timedelta(days=1)
    """How recent the one conversation with a generic subject must be to take a reply from
    someone who has not taken part in it."""
    clock_skew: timedelta = timedelta(days=1)
    """How much earlier than its conversation a reply's Date may be (wrong clocks, zones)."""


DEFAULT_POLICY = ThreadingPolicy()


@dataclass(frozen=True, slots=True)
class ThreadDecision:
    """Where a message goes and what the index must record for it."""

    inbox_id: UUID
    thread_id: UUID
    reason: MatchReason
    merged_thread_ids: tuple[UUID, ...]
    """Threads that the message's ids link to `thread_id`: folded into it, their messages
    move to it."""
    adopted_thread_ids: tuple[UUID, ...]
    """Threads awaiting a parent that `thread_id` adopts by subject: folded into it too."""
    seen_ids: tuple[str, ...]
    referenced_ids: tuple[str, ...]
    subject_keys: tuple[str, ...]
    at: datetime | None
    participants: frozenset[str]
    starts_conversation: bool
    """The message is no reply at all: no reply headers, no reply prefix."""
    awaits_parent: bool
    """The message is a header-less reply whose conversation was not found (yet)."""


@dataclass(frozen=True, slots=True)
class AlreadyThreaded:
    """The message id is already stored in the inbox: a redelivery (or a reused id)."""

    thread_id: UUID


def _addresses(message: ThreadingInput) -> frozenset[str]:
    found = {address.strip().casefold() for address in message.participants}
    found.add(message.from_address.strip().casefold())
    found.discard("")
    return frozenset(found)


def _parent_ids(message: ThreadingInput) -> tuple[tuple[str, ...], tuple[str, ...]]:
    def usable(ids: Sequence[str]) -> tuple[str, ...]:
        return tuple(i for i in ids if i != message.message_id and not is_digest_id(i))

    return usable(message.in_reply_to), usable(message.references)


def _header_match(
    in_reply_to: Sequence[str], references: Sequence[str], links: dict[str, UUID]
) -> tuple[UUID, MatchReason] | None:
    for parent in in_reply_to:
        if parent in links:
            return links[parent], MatchReason.IN_REPLY_TO
    for parent in reversed(references):
        if parent in links:
            return links[parent], MatchReason.REFERENCES
    return None


def _subject_match(
    message: ThreadingInput,
    at: datetime,
    activity: dict[str, list[SubjectActivity]],
    exclude: UUID | None,
    policy: ThreadingPolicy,
) -> UUID | None:
    """The thread a header-less message joins by subject, if any (module docstring, step 3)."""
    prefixed, generic = has_reply_prefix(message.subject), is_generic(message.subject)
    if generic and not prefixed:
        return None
    window = policy.subject_window if prefixed else policy.unprefixed_window
    sender = message.from_address.strip().casefold()
    addresses = _addresses(message)
    for found in activity.values():
        candidates = [
            a
            for a in found
            if a.thread_id != exclude
            and a.first_at <= at + policy.clock_skew
            and a.last_at >= at - window
            and not addresses.isdisjoint(a.participants)
        ]
        if generic:
            joined = [a for a in candidates if sender in a.participants]
            lately = [a for a in candidates if a.last_at >= at - policy.generic_window]
            candidates = joined or (lately if len(lately) == 1 else [])
        if candidates:
            best = max(candidates, key=lambda a: (not a.awaiting_parent, a.last_at))
            return best.thread_id
    return None


def _adoptions(
    activity: dict[str, list[SubjectActivity]],
    thread_id: UUID,
    at: datetime,
    addresses: frozenset[str],
    policy: ThreadingPolicy,
) -> set[UUID]:
    """Threads awaiting a parent that the message's thread adopts by subject."""
    participants = set(addresses)
    for found in activity.values():
        participants.update(p for a in found if a.thread_id == thread_id for p in a.participants)
    return {
        a.thread_id
        for found in activity.values()
        for a in found
        if a.awaiting_parent
        and a.thread_id != thread_id
        and at - policy.clock_skew <= a.first_at <= at + policy.subject_window
        and not participants.isdisjoint(a.participants)
    }


def context_query(
    message: ThreadingInput, policy: ThreadingPolicy = DEFAULT_POLICY
) -> ContextQuery:
    """What `decide` reads of the index for `message`: its own and referenced ids, and its
    subject keys only when a rule can use them (the subject match: header-less mail, a
    generic subject only with a reply prefix; adoption: a specific subject)."""
    in_reply_to, references = _parent_ids(message)
    referenced = tuple(dict.fromkeys(in_reply_to + references))
    ids = (message.message_id, *referenced)
    at = message.date
    keys = subject_keys(message.subject) if at is not None else ()
    usable = not is_generic(message.subject) or (
        not referenced and has_reply_prefix(message.subject)
    )
    if at is None or not keys or not usable:
        return ContextQuery(message.inbox_id, ids, (), None)
    span = max(policy.subject_window, policy.unprefixed_window)
    return ContextQuery(message.inbox_id, ids, keys, (at - span, at + span))


def decide(
    message: ThreadingInput, index: ThreadIndex, policy: ThreadingPolicy = DEFAULT_POLICY
) -> ThreadDecision | AlreadyThreaded:
    """Resolve the message's thread from the index, without changing the index."""
    inbox_id, own_id, at = message.inbox_id, message.message_id, message.date
    in_reply_to, references = _parent_ids(message)
    referenced = tuple(dict.fromkeys(in_reply_to + references))
    keys = subject_keys(message.subject) if at is not None else ()
    prefixed = has_reply_prefix(message.subject)
    specific = bool(keys) and not is_generic(message.subject)
    context = index.contexts([context_query(message, policy)])[0]
    found, activity = context.links, context.activity
    own = found.get(own_id)
    if own is not None and own.seen:
        return AlreadyThreaded(own.thread_id)
    links = {mid: link.thread_id for mid, link in found.items()}
    own_thread = own.thread_id if own is not None else None
    addresses = _addresses(message)

    header = _header_match(in_reply_to, references, links)
    by_subject = None
    if header is None and not referenced and at is not None:
        by_subject = _subject_match(message, at, activity, own_thread, policy)
    if header is not None:
        thread_id, reason = header
    elif by_subject is not None:
        thread_id, reason = by_subject, MatchReason.SUBJECT
    elif own_thread is not None:
        thread_id, reason = own_thread, MatchReason.MERGED
    else:
        thread_id = uuid.uuid5(_THREAD_NAMESPACE, f"{inbox_id}/{own_id}")
        reason = MatchReason.NEW
    merged = set(links.values()) - {thread_id}
    adopted: set[UUID] = set()
    if at is not None and specific:
        adopted = _adoptions(activity, thread_id, at, addresses, policy) - merged
    return ThreadDecision(
        inbox_id=inbox_id,
        thread_id=thread_id,
        reason=reason,
        merged_thread_ids=tuple(sorted(merged)),
        adopted_thread_ids=tuple(sorted(adopted)),
        seen_ids=(own_id,),
        referenced_ids=referenced,
        subject_keys=keys,
        at=at,
        participants=addresses,
        starts_conversation=not referenced and not prefixed,
        awaits_parent=not referenced and prefixed and specific and by_subject is None,
    )


def record(decision: ThreadDecision, index: ThreadIndex) -> None:
    """Write a decision to the index: the new thread, the merges, the ids, the activity."""
    inbox_id, thread_id = decision.inbox_id, decision.thread_id
    if decision.reason is MatchReason.NEW:
        index.create_thread(inbox_id, thread_id)
    if decision.merged_thread_ids:
        index.merge_threads(inbox_id, thread_id, decision.merged_thread_ids)
    if decision.adopted_thread_ids:
        index.adopt_threads(inbox_id, thread_id, decision.adopted_thread_ids)
    index.add_ids(
        ThreadIds(inbox_id, thread_id, seen=decision.seen_ids, referenced=decision.referenced_ids)
    )
    index.add_activity(
        ThreadActivity(
            inbox_id,
            thread_id,
            subject_keys=decision.subject_keys,
            at=decision.at,
            participants=decision.participants,
            starts_conversation=decision.starts_conversation,
            awaits_parent=decision.awaits_parent,
        )
    )


class PrefetchedIndex:
    """A `ThreadIndex` that answers the reads of a batch of messages from one read made
    before the first of them is threaded (`prefetch`), writing through to `index`.

    A message's prefetched answer is used only while nothing threaded before it in the batch
    could have changed it: none of its ids or subject keys written, none of the threads in
    its answer written to, no threads folded into others (a fold widens the survivor's
    subject ranges in ways the answer cannot show). Otherwise it reads `index` afresh, so
    the decisions are the ones one read per message would give.
    """

    def __init__(self, index: ThreadIndex, answers: dict[ContextQuery, ThreadContext]) -> None:
        self._index = index
        self._answers = answers
        self._ids: set[tuple[UUID, str]] = set()
        self._keys: set[tuple[UUID, str]] = set()
        self._threads: set[UUID] = set()
        self._folded = False

    def _fresh(self, query: ContextQuery) -> bool:
        inbox_id, answer = query.inbox_id, self._answers[query]
        threads = {link.thread_id for link in answer.links.values()}
        threads.update(a.thread_id for found in answer.activity.values() for a in found)
        return (
            not self._folded
            and self._threads.isdisjoint(threads)
            and not any((inbox_id, mid) in self._ids for mid in query.message_ids)
            and not any((inbox_id, key) in self._keys for key in query.subject_keys)
        )

    def lock(self, inbox_id: UUID) -> None:
        self._index.lock(inbox_id)

    def links(self, inbox_id: UUID, message_ids: Sequence[str]) -> dict[str, ThreadLink]:
        return self._index.links(inbox_id, message_ids)

    def contexts(self, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        stale = [q for q in queries if q not in self._answers or not self._fresh(q)]
        fresh = dict(zip(stale, self._index.contexts(stale), strict=True)) if stale else {}
        return [fresh[q] if q in fresh else self._answers[q] for q in queries]

    def create_thread(self, inbox_id: UUID, thread_id: UUID) -> None:
        self._threads.add(thread_id)
        self._index.create_thread(inbox_id, thread_id)

    def merge_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        self._folded = True
        self._index.merge_threads(inbox_id, into, others)

    def adopt_threads(self, inbox_id: UUID, into: UUID, others: Collection[UUID]) -> None:
        self._folded = True
        self._index.adopt_threads(inbox_id, into, others)

    def add_ids(self, ids: ThreadIds) -> None:
        self._threads.add(ids.thread_id)
        self._ids.update((ids.inbox_id, mid) for mid in (*ids.seen, *ids.referenced))
        self._index.add_ids(ids)

    def add_activity(self, activity: ThreadActivity) -> None:
        self._threads.add(activity.thread_id)
        self._keys.update((activity.inbox_id, key) for key in activity.subject_keys)
        self._index.add_activity(activity)


def prefetch(
    messages: Sequence[ThreadingInput], index: ThreadIndex, policy: ThreadingPolicy = DEFAULT_POLICY
) -> PrefetchedIndex:
    """Read what threading `messages` in order will ask of `index`, in one call."""
    queries = list(dict.fromkeys(context_query(m, policy) for m in messages))
    answers = index.contexts(queries) if queries else []
    return PrefetchedIndex(index, dict(zip(queries, answers, strict=True)))


def assign_thread(
    message: ThreadingInput, index: ThreadIndex, policy: ThreadingPolicy = DEFAULT_POLICY
) -> ThreadDecision | AlreadyThreaded:
    """Thread one message: decide, then record the decision.

    Call it inside the transaction that stores the message, holding
    `index.lock(inbox)` from before the message is looked for until the
    transaction ends, so that two messages of one conversation arriving at once
    are threaded one after the other and cannot start two threads.
    """
    result = decide(message, index, policy)
    if isinstance(result, ThreadDecision):
        record(result, index)
    return result
