from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from mailman.domain.dns_records import RecordCheck, RecordPurpose, RecordStatus, required_records
from mailman.domain.errors import DomainNotVerified
from mailman.domain.models import Domain, DomainRecordState, DomainStatus
from mailman.domain.verification import (
    VERIFIED_ELSEWHERE,
    SesIdentity,
    assess,
    defeated,
    next_check_delay,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TOKENS = ("t1", "t2", "t3")
OWNER = "0123456789abcdef0123456789abcdef"
OK = RecordCheck(RecordStatus.VERIFIED, ("x",))
MISSING = RecordCheck(RecordStatus.MISSING)
SIGNED = SesIdentity(TOKENS, "SUCCESS", "SUCCESS")


def _domain(status: DomainStatus = DomainStatus.PENDING, checked: bool = False) -> Domain:
    records = tuple(
        DomainRecordState(
            purpose=r.purpose,
            type=r.type,
            name=r.name,
            value=r.value,
            priority=r.priority,
            status=RecordStatus.VERIFIED
            if status is DomainStatus.VERIFIED
            else RecordStatus.MISSING,
            found=("x",) if status is DomainStatus.VERIFIED else (),
            checked_at=NOW - timedelta(hours=1) if checked else None,
        )
        for r in required_records("example.com", TOKENS, "us-east-1", OWNER)
    )
    return Domain(
        id=uuid4(),
        organization_id=uuid4(),
        name="example.com",
        unicode_name="example.com",
        status=status,
        records=records,
        pending_since=NOW - timedelta(hours=2),
        created_at=NOW - timedelta(hours=2),
        updated_at=NOW,
    )


def test_all_records_and_ses_dkim_make_a_domain_verified() -> None:
    outcome = assess(_domain(), SIGNED, [OK] * 8, NOW)

    assert outcome.status is DomainStatus.VERIFIED
    assert [e.type for e in outcome.events] == ["domain.verified"]
    assert outcome.changes["verified_at"] == NOW
    assert outcome.changes["next_check_at"] == NOW + timedelta(hours=6)


def test_dns_alone_is_not_enough_while_ses_has_not_seen_dkim() -> None:
    outcome = assess(_domain(), SesIdentity(TOKENS, "PENDING"), [OK] * 8, NOW)

    assert outcome.status is DomainStatus.PENDING
    assert outcome.events == ()


def test_flags_follow_the_records_of_each_purpose() -> None:
    results = [OK, OK, OK, OK, MISSING, MISSING, MISSING, OK]

    outcome = assess(_domain(), SIGNED, results, NOW)

    assert outcome.changes["dkim_verified"] is True
    assert outcome.changes["mx_verified"] is True
    assert outcome.changes["spf_verified"] is False
    assert outcome.changes["dmarc_verified"] is False
    assert outcome.status is DomainStatus.PENDING


def test_ses_giving_up_fails_the_domain_once() -> None:
    failed = assess(_domain(), SesIdentity(TOKENS, "FAILED"), [MISSING] * 8, NOW)
    again = assess(_domain(DomainStatus.FAILED), SesIdentity(TOKENS, "FAILED"), [MISSING] * 8, NOW)

    assert failed.status is DomainStatus.FAILED
    assert [e.type for e in failed.events] == ["domain.verification_failed"]
    assert again.events == ()


def test_a_vanished_identity_fails_the_domain() -> None:
    outcome = assess(_domain(), None, [OK] * 8, NOW)

    assert outcome.status is DomainStatus.FAILED
    assert "no longer exists" in outcome.events[0].payload["reason"]


def test_drift_on_a_verified_domain_is_announced_and_restarts_the_backoff() -> None:
    verified = _domain(DomainStatus.VERIFIED, checked=True)
    results = [OK] * 3 + [RecordCheck(RecordStatus.WRONG, ("10 mx.other.example.",))] + [OK] * 4

    outcome = assess(verified, SIGNED, results, NOW)

    assert outcome.status is DomainStatus.PENDING
    assert [e.type for e in outcome.events] == ["domain.dns_changed"]
    assert outcome.events[0].payload["records"] == [
        {"type": "MX", "name": "example.com", "was": "verified", "now": "wrong"}
    ]
    assert outcome.changes["pending_since"] == NOW
    assert outcome.changes["next_check_at"] == NOW + timedelta(seconds=30)


def test_a_failed_lookup_keeps_what_was_known() -> None:
    verified = _domain(DomainStatus.VERIFIED, checked=True)
    unknown = RecordCheck(RecordStatus.UNKNOWN, (), "timed out")

    outcome = assess(verified, SIGNED, [unknown] + [OK] * 7, NOW)

    assert outcome.records[0].status is RecordStatus.VERIFIED
    assert outcome.records[0].detail == "timed out"
    assert outcome.status is DomainStatus.VERIFIED
    assert outcome.events == ()


def test_shared_dns_without_the_claims_own_token_neither_sends_nor_receives() -> None:
    """Every claim of a name shares its SES identity, DKIM and MX: only the ownership record
    tells the owner's claim from another account's."""
    outcome = assess(_domain(), SIGNED, [OK] * 7 + [MISSING], NOW)

    assert outcome.status is DomainStatus.PENDING
    assert not any(outcome.changes[flag] for flag in ("dkim_verified", "mx_verified"))
    assert not any(outcome.changes[flag] for flag in ("spf_verified", "dmarc_verified"))
    assert outcome.events == ()


def test_a_claim_fails_when_another_accounts_claim_of_the_name_is_verified() -> None:
    failed = assess(_domain(), SIGNED, [OK] * 8, NOW, verified_elsewhere=True)
    again = assess(_domain(DomainStatus.FAILED), SIGNED, [OK] * 8, NOW, verified_elsewhere=True)

    assert failed.status is DomainStatus.FAILED
    assert failed.changes["mx_verified"] is False
    assert failed.changes["dkim_verified"] is False
    ownership = failed.records[-1]
    assert (ownership.purpose, ownership.status) == (RecordPurpose.OWNERSHIP, RecordStatus.WRONG)
    assert ownership.detail == VERIFIED_ELSEWHERE
    assert [e.payload["reason"] for e in failed.events] == [VERIFIED_ELSEWHERE]
    assert set(failed.events[0].payload) == {"domain_id", "domain", "reason"}
    assert again.events == ()


def test_a_domain_verified_before_ownership_records_keeps_its_name() -> None:
    verified = _domain(DomainStatus.VERIFIED, checked=True)
    legacy = verified.model_copy(update={"records": verified.records[:-1]})

    outcome = assess(legacy, SIGNED, [OK] * 7, NOW)

    assert outcome.status is DomainStatus.VERIFIED
    assert outcome.changes["mx_verified"] is True
    assert outcome.events == ()


def test_a_domain_verified_before_ownership_records_cannot_verify_again_once_it_fell_out() -> None:
    verified = _domain(DomainStatus.VERIFIED, checked=True)
    fallen = verified.model_copy(
        update={"records": verified.records[:-1], "status": DomainStatus.PENDING}
    )

    outcome = assess(fallen, SIGNED, [OK] * 7, NOW)

    assert outcome.status is DomainStatus.PENDING
    assert outcome.changes["mx_verified"] is False
    assert outcome.changes["dkim_verified"] is False


def test_claims_of_a_name_another_account_verified_fail_at_once_and_are_told_why() -> None:
    pending = _domain().model_copy(update={"mx_verified": True, "dkim_verified": True})

    outcome = defeated(pending, NOW)
    already = defeated(_domain(DomainStatus.FAILED), NOW)

    assert outcome.status is DomainStatus.FAILED
    assert outcome.changes["status"] == "failed"
    assert outcome.changes["mx_verified"] is False
    assert outcome.changes["dkim_verified"] is False
    assert outcome.changes["next_check_at"] == NOW + timedelta(hours=6)
    assert outcome.records[-1].status is RecordStatus.WRONG
    assert outcome.records[-1].detail == VERIFIED_ELSEWHERE
    assert outcome.records[:-1] == pending.records[:-1]
    assert [e.type for e in outcome.events] == ["domain.verification_failed"]
    assert outcome.events[0].payload["reason"] == VERIFIED_ELSEWHERE
    assert already.events == ()


def test_a_claim_not_yet_proven_is_refused_naming_its_ownership_record() -> None:
    published = tuple(
        r.model_copy(update={"status": RecordStatus.VERIFIED})
        if r.purpose is not RecordPurpose.OWNERSHIP
        else r
        for r in _domain().records
    )
    domain = _domain().model_copy(update={"records": published, "ses_dkim_status": "SUCCESS"})

    with pytest.raises(DomainNotVerified) as sending:
        domain.require_sending()
    with pytest.raises(DomainNotVerified) as receiving:
        domain.require_receiving()

    assert "TXT _mailman.example.com (missing)" in sending.value.message
    assert "TXT _mailman.example.com (missing)" in receiving.value.message


@pytest.mark.parametrize(
    ("pending_for", "delay"),
    [
        (timedelta(minutes=2), timedelta(seconds=30)),
        (timedelta(minutes=30), timedelta(minutes=5)),
        (timedelta(hours=5), timedelta(minutes=15)),
        (timedelta(hours=48), timedelta(hours=1)),
        (timedelta(days=10), timedelta(hours=6)),
    ],
)
def test_pending_domains_are_checked_less_often_the_longer_they_wait(
    pending_for: timedelta, delay: timedelta
) -> None:
    assert next_check_delay(DomainStatus.PENDING, pending_for) == delay


def test_sending_and_receiving_refusals_name_what_is_missing() -> None:
    domain = _domain()

    with pytest.raises(DomainNotVerified) as sending:
        domain.require_sending()
    with pytest.raises(DomainNotVerified) as receiving:
        domain.require_receiving()

    assert "CNAME t1._domainkey.example.com (missing)" in sending.value.message
    assert "MX example.com (missing)" in receiving.value.message
    assert sending.value.field == "domain"


def test_a_verified_domain_may_send_and_receive() -> None:
    domain = _domain(DomainStatus.VERIFIED).model_copy(
        update={"dkim_verified": True, "mx_verified": True, "ses_dkim_status": "SUCCESS"}
    )

    domain.require_sending()
    domain.require_receiving()

    assert domain.can_send
    assert domain.can_receive
    assert RecordPurpose.DKIM in {r.purpose for r in domain.records}
