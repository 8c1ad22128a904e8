from datetime import UTC, datetime
from itertools import product

import pytest

from mailman.domain.delivery import BounceType, RecipientStatus, decider, summarise
from mailman.domain.errors import Conflict
from mailman.domain.models import DeliveryStatus as S

R = RecipientStatus
_AT = datetime(2026, 11, 21, tzinfo=UTC)
_STATES = [
    (R.SENT, None),
    (R.BOUNCED, BounceType.TRANSIENT),
    (R.DELIVERED, None),
    (R.FAILED, None),
    (R.REJECTED, None),
    (R.BOUNCED, BounceType.PERMANENT),
    (R.COMPLAINED, None),
]
"""A recipient's states with what decides them (a soft bounce weighs less than delivery)."""


def _weight(state: tuple[RecipientStatus, BounceType | None]) -> int:
    status, kind = state
    return decider(status, _AT, "", bounce_type=kind).rank


def _summary_moves() -> set[tuple[S, S]]:
    """Every move of a message's summary as one of its (up to two) recipients moves forward
    (a rejected recipient does not: SES refused the whole message), a third maybe left out
    as suppressed."""
    moves = set()
    for n, suppressed in product((1, 2), (False, True)):
        for recipients in product(_STATES, repeat=n):
            extra = [R.SUPPRESSED] if suppressed else []
            before = summarise([s for s, _ in recipients] + extra, S.SENT)
            for i, state in enumerate(recipients):
                if state[0] is R.REJECTED:
                    continue
                for later in (s for s in _STATES if _weight(s) > _weight(state)):
                    moved = [*recipients[:i], later, *recipients[i + 1 :]]
                    after = summarise([s for s, _ in moved] + extra, S.SENT)
                    if after != before:
                        moves.add((before, after))
    return moves


def test_every_move_the_recipients_summary_makes_is_allowed() -> None:
    moves = _summary_moves()

    assert (S.BOUNCED, S.DELIVERED) in moves
    assert (S.PARTIALLY_DELIVERED, S.DELIVERED) in moves
    assert [(a, b) for a, b in sorted(moves) if not a.can_become(b)] == []


def test_the_summary_moves_are_all_the_moves_among_the_summaries() -> None:
    summaries = {S.SENT, S.DELIVERED, S.PARTIALLY_DELIVERED, S.BOUNCED, S.COMPLAINED, S.REJECTED}
    allowed = {(a, b) for a in summaries for b in S if a.can_become(b) and b in summaries}

    assert allowed <= _summary_moves()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.PENDING, S.SENDING),
        (S.PENDING, S.FAILED),
        (S.SENDING, S.SENT),
        (S.SENT, S.DELIVERED),
        (S.SENT, S.BOUNCED),
        (S.SENT, S.COMPLAINED),
        (S.SENT, S.FAILED),
        (S.DRAFT, S.PENDING),
        (S.SCHEDULED, S.CANCELLED),
        (S.PENDING, S.CANCELLED),
        (S.PENDING, S.SCHEDULED),
        (S.SCHEDULED, S.PENDING),
        (S.SENDING, S.PENDING),
        (S.FAILED, S.SENT),
        (S.DELIVERED, S.COMPLAINED),
        (S.DELIVERED, S.BOUNCED),
        (S.DELIVERED, S.PARTIALLY_DELIVERED),
        (S.PARTIALLY_DELIVERED, S.COMPLAINED),
        (S.BOUNCED, S.COMPLAINED),
        (S.SENT, S.REJECTED),
        (S.BOUNCED, S.DELIVERED),
        (S.PARTIALLY_DELIVERED, S.DELIVERED),
        (S.BOUNCED, S.PARTIALLY_DELIVERED),
        (S.FAILED, S.BOUNCED),
    ],
)
def test_allowed_transitions(source: S, target: S) -> None:
    assert source.transition(target) is target


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.PENDING, S.DELIVERED),
        (S.SENT, S.PENDING),
        (S.DELIVERED, S.SENT),
        (S.COMPLAINED, S.SENT),
        (S.REJECTED, S.BOUNCED),
        (S.FAILED, S.DELIVERED),
        (S.SENT, S.SENT),
        (S.PENDING, S.SENT),
        (S.CANCELLED, S.SENDING),
        (S.SENT, S.SENDING),
        (S.SENDING, S.CANCELLED),
        (S.DRAFT, S.CANCELLED),
    ],
)
def test_forbidden_transitions_raise_conflict(source: S, target: S) -> None:
    with pytest.raises(Conflict):
        source.transition(target)


def test_final_states_go_nowhere() -> None:
    for final in (S.COMPLAINED, S.REJECTED, S.CANCELLED):
        assert not any(final.can_become(target) for target in S)


def test_only_a_claimable_state_can_be_handed_to_ses() -> None:
    assert S.sources_of(S.SENDING) == ["pending", "scheduled"]


def test_only_mail_not_yet_handed_off_can_be_cancelled() -> None:
    assert S.sources_of(S.CANCELLED) == ["pending", "scheduled"]
