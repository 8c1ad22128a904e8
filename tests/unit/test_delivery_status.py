import pytest

from mailman.domain.errors import Conflict
from mailman.domain.models import DeliveryStatus as S


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
        (S.BOUNCED, S.DELIVERED),
        (S.COMPLAINED, S.SENT),
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
