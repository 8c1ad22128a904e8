from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from mailman.adapters.memory.thread_index import InMemoryThreadIndex
from mailman.domain.models import MatchReason
from mailman.domain.threads import ContextQuery, ThreadContext, ThreadIndex
from mailman.thread_resolution import (
    AlreadyThreaded,
    ThreadDecision,
    ThreadingInput,
    assign_thread,
    decide,
    prefetch,
)

INBOX = uuid4()
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
ANN, BOB, CAROL, DAN = "ann@example.org", "bob@example.net", "carol@example.com", "dan@example.com"
LIST = "dev.lists.example.org"


def mail(
    message_id: str,
    subject: str = "Quarterly report",
    *,
    sender: str = ANN,
    to: tuple[str, ...] = (BOB,),
    in_reply_to: tuple[str, ...] = (),
    references: tuple[str, ...] = (),
    at: datetime | None = MONDAY,
    inbox: UUID = INBOX,
) -> ThreadingInput:
    return ThreadingInput(
        inbox_id=inbox,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        date=at,
        from_address=sender,
        participants=frozenset(to),
    )


def thread(index: ThreadIndex, message: ThreadingInput) -> ThreadDecision:
    result = assign_thread(message, index)
    assert isinstance(result, ThreadDecision)
    return result


def thread_of(index: InMemoryThreadIndex, message_id: str, inbox: UUID = INBOX) -> UUID:
    return index.links(inbox, [message_id])[message_id].thread_id


# --- headers ---------------------------------------------------------------------------


def test_first_message_starts_a_new_thread() -> None:
    index = InMemoryThreadIndex()

    decision = thread(index, mail("<a@x>"))

    assert decision.reason is MatchReason.NEW
    assert thread_of(index, "<a@x>") == decision.thread_id


def test_reply_joins_existing_thread() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<a@x>"))

    reply = thread(index, mail("<b@x>", "Something else", sender=BOB, in_reply_to=("<a@x>",)))

    assert reply.reason is MatchReason.IN_REPLY_TO
    assert reply.thread_id == first.thread_id


def test_references_are_searched_newest_first() -> None:
    index = InMemoryThreadIndex()
    older = thread(index, mail("<a@x>", "One"))
    newer = thread(index, mail("<b@x>", "Two"))

    reply = thread(index, mail("<c@x>", "Three", references=("<a@x>", "<b@x>")))

    assert reply.reason is MatchReason.REFERENCES
    assert reply.thread_id == newer.thread_id
    assert reply.merged_thread_ids == (older.thread_id,)


def test_in_reply_to_takes_precedence_over_references() -> None:
    index = InMemoryThreadIndex()
    parent = thread(index, mail("<a@x>", "One"))
    thread(index, mail("<b@x>", "Two"))

    reply = thread(
        index, mail("<c@x>", "Three", in_reply_to=("<a@x>",), references=("<zzz@x>", "<b@x>"))
    )

    assert reply.reason is MatchReason.IN_REPLY_TO
    assert reply.thread_id == parent.thread_id


def test_replies_to_the_same_unseen_parent_share_a_thread() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<b@x>", "One", in_reply_to=("<off-list@x>",)))

    second = thread(index, mail("<c@x>", "Two", sender=CAROL, in_reply_to=("<off-list@x>",)))

    assert second.reason is MatchReason.IN_REPLY_TO
    assert second.thread_id == first.thread_id


def test_late_parent_joins_the_thread_of_its_replies() -> None:
    index = InMemoryThreadIndex()
    reply = thread(index, mail("<b@x>", "Totally different", in_reply_to=("<a@x>",)))

    parent = thread(index, mail("<a@x>", "Original"))

    assert parent.reason is MatchReason.MERGED
    assert parent.thread_id == reply.thread_id


def test_late_parent_merges_threads_that_reference_it() -> None:
    index = InMemoryThreadIndex()
    child = thread(index, mail("<b@x>", "One", in_reply_to=("<p@x>",)))
    grandparent_side = thread(index, mail("<c@x>", "Two", in_reply_to=("<g@x>",)))

    parent = thread(index, mail("<p@x>", "Three", in_reply_to=("<g@x>",)))

    assert parent.reason is MatchReason.IN_REPLY_TO
    assert parent.thread_id == grandparent_side.thread_id
    assert parent.merged_thread_ids == (child.thread_id,)
    assert thread_of(index, "<b@x>") == thread_of(index, "<c@x>") == parent.thread_id


def test_a_message_arriving_twice_is_recognised() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<a@x>"))

    again = assign_thread(mail("<a@x>", "Changed subject", sender=CAROL), index)

    assert again == AlreadyThreaded(first.thread_id)


def test_a_duplicate_changes_nothing_in_the_index() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>"))
    assign_thread(mail("<a@x>", in_reply_to=("<elsewhere@x>",)), index)

    assert index.links(INBOX, ["<elsewhere@x>"]) == {}


def test_digest_ids_never_link_conversations() -> None:
    index = InMemoryThreadIndex()
    digest = "<mailman.12.1700000000.4242.dev@lists.example.org>"
    first = thread(index, mail("<a@x>", "Build breaks", in_reply_to=(digest,)))

    second = thread(index, mail("<b@x>", "Docs typo", sender=CAROL, in_reply_to=(digest,)))

    assert second.reason is MatchReason.NEW
    assert second.thread_id != first.thread_id


def test_threads_are_kept_per_inbox() -> None:
    index = InMemoryThreadIndex()
    other_inbox = uuid4()
    thread(index, mail("<a@x>", inbox=other_inbox))

    reply = thread(index, mail("<b@x>", in_reply_to=("<a@x>",)))

    assert reply.reason is MatchReason.NEW


def test_ids_are_parsed_leniently_from_raw_headers() -> None:
    message = ThreadingInput.from_headers(
        INBOX,
        message_id=" <own@x> ",
        in_reply_to='<parent@mail.exa mple.org> (Ann\'s message of "Mon, 16 Nov 2026")',
        references="<root@x>\r\n <parent@mail.example.org>",
        subject="Re: Quarterly report",
        date=MONDAY,
        from_address=BOB,
        participants=[ANN],
    )

    assert message.message_id == "<own@x>"
    assert message.in_reply_to == ("<parent@mail.example.org>",)
    assert message.references == ("<root@x>", "<parent@mail.example.org>")


def test_a_date_without_a_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        mail("<a@x>", at=datetime(2026, 11, 16, 9, 0))


# --- subject fallback ------------------------------------------------------------------


def test_headerless_reply_joins_by_subject_when_a_participant_overlaps() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,)))

    reply = thread(
        index,
        mail(
            "<b@x>", "RE: Quarterly report", sender=BOB, to=(ANN,), at=MONDAY + timedelta(hours=3)
        ),
    )

    assert reply.reason is MatchReason.SUBJECT
    assert reply.thread_id == first.thread_id


def test_subject_fallback_needs_a_participant_overlap() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,)))

    stranger = thread(index, mail("<b@x>", "Re: Quarterly report", sender=CAROL, to=(DAN,)))

    assert stranger.reason is MatchReason.NEW


def test_a_shared_mailing_list_counts_as_overlap() -> None:
    index = InMemoryThreadIndex()
    post = thread(index, mail("<a@x>", "[dev] Build breaks on ARM", sender=ANN, to=(LIST,)))

    reply = thread(index, mail("<b@x>", "Re: [dev] Build breaks on ARM", sender=CAROL, to=(LIST,)))

    assert reply.reason is MatchReason.SUBJECT
    assert reply.thread_id == post.thread_id


def test_bare_hello_never_merges_strangers() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>", "Hello", sender=ANN, to=(BOB,)))

    stranger = thread(index, mail("<b@x>", "Re: Hello", sender=CAROL, to=(DAN,)))

    assert stranger.reason is MatchReason.NEW


def test_generic_subject_without_a_prefix_never_matches() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>", "Question", sender=ANN, to=(BOB,)))

    second = thread(index, mail("<b@x>", "Question", sender=ANN, to=(BOB,)))

    assert second.reason is MatchReason.NEW


def test_generic_reply_joins_a_conversation_its_sender_took_part_in() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<a@x>", "Help", sender=ANN, to=(LIST,)))
    thread(index, mail("<b@x>", "Help", sender=CAROL, to=(LIST,)))

    reply = thread(index, mail("<c@x>", "Re: help", sender=ANN, to=(LIST,)))

    assert reply.reason is MatchReason.SUBJECT
    assert reply.thread_id == first.thread_id


def test_generic_reply_from_a_newcomer_needs_a_single_recent_conversation() -> None:
    index = InMemoryThreadIndex()
    only = thread(index, mail("<a@x>", "Help", sender=ANN, to=(LIST,)))
    reply = thread(index, mail("<b@x>", "Re: Help", sender=CAROL, to=(LIST,)))
    thread(index, mail("<c@x>", "Help", sender=BOB, to=(LIST,)))

    ambiguous = thread(index, mail("<d@x>", "Re: Help", sender=DAN, to=(LIST,)))

    assert reply.thread_id == only.thread_id
    assert ambiguous.reason is MatchReason.NEW


def test_subject_fallback_only_looks_back_within_the_window() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,)))

    late = thread(
        index,
        mail(
            "<b@x>", "Re: Quarterly report", sender=BOB, to=(ANN,), at=MONDAY + timedelta(days=31)
        ),
    )

    assert late.reason is MatchReason.NEW


def test_a_message_without_prefix_matches_only_a_conversation_of_the_last_days() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,)))

    resent = thread(
        index,
        mail("<b@x>", "Quarterly report", sender=ANN, to=(BOB,), at=MONDAY + timedelta(days=2)),
    )
    much_later = thread(
        index,
        mail("<c@x>", "Quarterly report", sender=ANN, to=(BOB,), at=MONDAY + timedelta(days=12)),
    )

    assert resent.thread_id == first.thread_id
    assert much_later.reason is MatchReason.NEW


def test_a_message_without_date_is_never_matched_by_subject() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,)))

    undated = thread(index, mail("<b@x>", "Re: Quarterly report", sender=BOB, to=(ANN,), at=None))

    assert undated.reason is MatchReason.NEW


def test_a_renamed_subject_finds_the_former_conversation() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,)))

    renamed = thread(
        index, mail("<b@x>", "Re: Budget 2027 (was: Quarterly report)", sender=BOB, to=(ANN,))
    )

    assert renamed.reason is MatchReason.SUBJECT
    assert renamed.thread_id == first.thread_id


def test_the_most_recently_active_conversation_wins() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>", "Build breaks", sender=ANN, to=(LIST,), at=MONDAY))
    recent = thread(
        index,
        mail("<b@x>", "Build breaks", sender=CAROL, to=(LIST,), at=MONDAY + timedelta(days=9)),
    )

    reply = thread(
        index,
        mail("<c@x>", "Re: Build breaks", sender=DAN, to=(LIST,), at=MONDAY + timedelta(days=10)),
    )

    assert reply.thread_id == recent.thread_id


def test_a_message_with_headers_never_joins_by_subject() -> None:
    index = InMemoryThreadIndex()
    thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,)))

    anchored = thread(
        index,
        mail("<b@x>", "Re: Quarterly report", sender=BOB, to=(ANN,), references=("<unseen@x>",)),
    )

    assert anchored.reason is MatchReason.NEW


def test_two_header_anchored_threads_never_merge_on_subject() -> None:
    index = InMemoryThreadIndex()
    first = thread(index, mail("<a@x>", "Re: Build breaks", to=(LIST,), in_reply_to=("<p1@x>",)))

    second = thread(index, mail("<b@x>", "Re: Build breaks", to=(LIST,), in_reply_to=("<p2@x>",)))
    thread(index, mail("<c@x>", "Build breaks", sender=CAROL, to=(LIST,)))

    assert second.thread_id != first.thread_id
    assert thread_of(index, "<a@x>") != thread_of(index, "<b@x>")


def test_a_reply_arriving_before_its_conversation_is_adopted() -> None:
    index = InMemoryThreadIndex()
    two_days_later = MONDAY + timedelta(days=2)
    early = thread(
        index, mail("<b@x>", "Re: Quarterly report", sender=BOB, to=(ANN,), at=two_days_later)
    )

    root = thread(index, mail("<a@x>", "Quarterly report", sender=ANN, to=(BOB,), at=MONDAY))

    assert early.reason is MatchReason.NEW
    assert root.reason is MatchReason.NEW
    assert root.adopted_thread_ids == (early.thread_id,)
    assert thread_of(index, "<b@x>") == root.thread_id


def test_an_adopted_reply_does_not_let_header_anchored_threads_merge() -> None:
    index = InMemoryThreadIndex()
    later = MONDAY + timedelta(days=2)
    thread(index, mail("<b@x>", "Re: Build breaks", sender=BOB, to=(LIST,), at=later))
    anchored = thread(
        index, mail("<c@x>", "Re: Build breaks", to=(LIST,), in_reply_to=("<p1@x>",), at=MONDAY)
    )

    other = thread(
        index, mail("<d@x>", "Re: Build breaks", to=(LIST,), in_reply_to=("<p2@x>",), at=MONDAY)
    )

    assert anchored.adopted_thread_ids != ()
    assert other.adopted_thread_ids == ()
    assert other.thread_id != anchored.thread_id


# --- the decision ----------------------------------------------------------------------


def test_deciding_does_not_change_the_index() -> None:
    index = InMemoryThreadIndex()

    decide(mail("<a@x>", references=("<p@x>",)), index)

    assert index.links(INBOX, ["<a@x>", "<p@x>"]) == {}


def test_the_decision_names_the_ids_to_register() -> None:
    index = InMemoryThreadIndex()

    decision = decide(mail("<a@x>", in_reply_to=("<p@x>",), references=("<r@x>", "<p@x>")), index)

    assert isinstance(decision, ThreadDecision)
    assert decision.seen_ids == ("<a@x>",)
    assert decision.referenced_ids == ("<p@x>", "<r@x>")


def test_a_new_thread_id_depends_only_on_inbox_and_message() -> None:
    first = decide(mail("<a@x>"), InMemoryThreadIndex())

    again = decide(mail("<a@x>", "Other subject"), InMemoryThreadIndex())

    assert isinstance(first, ThreadDecision)
    assert isinstance(again, ThreadDecision)
    assert first.thread_id == again.thread_id


# --- reading a batch at once -------------------------------------------------------------


class CountingIndex(InMemoryThreadIndex):
    """Notes how many queries each read of the index itself answered."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[int] = []

    def contexts(self, queries: Sequence[ContextQuery]) -> list[ThreadContext]:
        self.reads.append(len(queries))
        return super().contexts(queries)


def _conversation() -> list[ThreadingInput]:
    """Mail whose threading depends on the mail before it: replies, a late parent, merges,
    a header-less reply adopted later, subject matches, generic subjects, a reused id."""
    hour = timedelta(hours=1)
    return [
        mail("<a@x>", "Budget", to=(BOB,)),
        mail(
            "<b@x>", "Re: Budget", sender=BOB, to=(ANN,), in_reply_to=("<a@x>",), at=MONDAY + hour
        ),
        mail("<r1@x>", "Re: Launch", sender=CAROL, to=(DAN,), in_reply_to=("<p@x>",)),
        mail("<r2@x>", "Re: Launch", sender=DAN, to=(CAROL,), references=("<q@x>",)),
        mail("<m@x>", "Re: Launch", sender=DAN, references=("<p@x>", "<q@x>"), at=MONDAY + hour),
        mail("<loose@x>", "Re: Offsite plan", sender=CAROL, to=(ANN,), at=MONDAY + 2 * hour),
        mail("<root@x>", "Offsite plan", sender=ANN, to=(CAROL,), at=MONDAY + hour),
        mail("<s@x>", "Re: Budget", sender=ANN, to=(BOB,), at=MONDAY + 3 * hour),
        mail("<g1@x>", "hello", sender=DAN, to=(ANN,)),
        mail("<g2@x>", "Re: hello", sender=ANN, to=(DAN,), at=MONDAY + hour),
        mail("<a@x>", "Budget (resent)", to=(BOB,), at=MONDAY + 4 * hour),
        mail("<p@x>", "Launch", sender=CAROL, to=(DAN,), at=MONDAY - hour),
    ]


def _outcome(result: ThreadDecision | AlreadyThreaded) -> tuple[UUID, str]:
    if isinstance(result, AlreadyThreaded):
        return result.thread_id, "already threaded"
    return result.thread_id, result.reason.value


@pytest.mark.parametrize("size", [2, 3, 5, 12])
def test_a_batch_read_at_once_threads_as_one_read_per_message(size: int) -> None:
    messages = _conversation()
    one_by_one = InMemoryThreadIndex()
    expected = [_outcome(assign_thread(m, one_by_one)) for m in messages]
    batched = CountingIndex()
    got = []
    for start in range(0, len(messages), size):
        chunk = messages[start : start + size]
        index = prefetch(chunk, batched)
        got.extend(_outcome(assign_thread(m, index)) for m in chunk)
    assert got == expected
    ids = [m.message_id for m in messages]
    assert batched.links(INBOX, ids) == one_by_one.links(INBOX, ids)


def test_unrelated_mail_of_a_batch_is_read_once() -> None:
    index = CountingIndex()
    batch = [mail(f"<{n}@x>", f"Topic {n}", references=(f"<parent{n}@x>",)) for n in range(5)]
    prefetched = prefetch(batch, index)
    for message in batch:
        assign_thread(message, prefetched)
    assert index.reads == [5]  # every query in the prefetch, none again


_EARLIER_CHANGES_LATER = {
    # The later mail's id was written by the earlier: nothing else of its answer changed.
    "a shared missing parent": (
        [],
        [
            mail("<x@x>", "Alpha", references=("<p@x>",)),
            mail("<y@x>", "Beta", sender=DAN, references=("<p@x>",)),
        ],
    ),
    # A thread in the later mail's answer gained a participant under another subject.
    "a participant joining": (
        [mail("<a@x>", "Budget", sender=ANN, to=(BOB,))],
        [
            mail("<x@x>", "Other words", sender=BOB, to=(DAN,), in_reply_to=("<a@x>",)),
            mail("<y@x>", "Re: Budget", sender=DAN, to=(CAROL,)),
        ],
    ),
    # The thread of the later mail's parent was folded into another by a mail naming another
    # message of it.
    "a fold": (
        [
            mail("<p1@x>", "One", sender=ANN),
            mail("<c1@x>", "Re: One", sender=BOB, to=(ANN,), in_reply_to=("<p1@x>",)),
            mail("<p2@x>", "Two", sender=BOB, to=(ANN,)),
        ],
        [
            mail("<x@x>", "Both", sender=CAROL, in_reply_to=("<p2@x>",), references=("<p1@x>",)),
            mail("<y@x>", "Re: One", sender=DAN, in_reply_to=("<c1@x>",)),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(_EARLIER_CHANGES_LATER))
def test_mail_depending_on_an_earlier_one_of_the_batch_is_read_again(case: str) -> None:
    history, batch = _EARLIER_CHANGES_LATER[case]
    one_by_one, batched = InMemoryThreadIndex(), CountingIndex()
    for message in history:
        assign_thread(message, one_by_one)
        assign_thread(message, batched)
    expected = [_outcome(assign_thread(m, one_by_one)) for m in batch]
    batched.reads.clear()
    prefetched = prefetch(batch, batched)
    assert [_outcome(assign_thread(m, prefetched)) for m in batch] == expected
    assert batched.reads == [2, 1]  # both in the prefetch, the second again
