import pytest

from mailman.domain.dns_records import (
    RecordPurpose,
    RecordStatus,
    check,
    required_records,
    zone_snippet,
)

TOKENS = ("tok1", "tok2", "tok3")
OWNER = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _record(purpose: RecordPurpose):  # type: ignore[no-untyped-def]
    return next(
        r
        for r in required_records("example.com", TOKENS, "us-east-1", OWNER)
        if r.purpose is purpose
    )


def test_a_domain_publishes_dkim_cnames_mx_mail_from_dmarc_and_its_ownership_token() -> None:
    records = required_records("example.com", TOKENS, "eu-west-1", OWNER)

    assert [(r.type, r.name) for r in records] == [
        ("CNAME", "tok1._domainkey.example.com"),
        ("CNAME", "tok2._domainkey.example.com"),
        ("CNAME", "tok3._domainkey.example.com"),
        ("MX", "example.com"),
        ("MX", "bounce.example.com"),
        ("TXT", "bounce.example.com"),
        ("TXT", "_dmarc.example.com"),
        ("TXT", "_mailman.example.com"),
    ]
    assert records[0].value == "tok1.dkim.amazonses.com"
    assert records[3].value == "inbound-smtp.eu-west-1.amazonaws.com"
    assert records[4].value == "feedback-smtp.eu-west-1.amazonses.com"
    assert records[6].value == "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"
    assert records[7].value == f"mailman-verification={OWNER}"
    assert records[7].purpose is RecordPurpose.OWNERSHIP
    assert all(r.description for r in records)


def test_no_answer_is_missing_and_a_failed_lookup_is_unknown() -> None:
    record = _record(RecordPurpose.DKIM)

    assert check(record, []).status is RecordStatus.MISSING
    assert check(record, None).status is RecordStatus.UNKNOWN


def test_cname_matches_regardless_of_case_and_trailing_dot() -> None:
    record = _record(RecordPurpose.DKIM)

    assert check(record, ["TOK1.dkim.amazonses.com."]).status is RecordStatus.VERIFIED
    wrong = check(record, ["tok1.dkim.example.net."])
    assert wrong.status is RecordStatus.WRONG
    assert wrong.found == ("tok1.dkim.example.net.",)


def test_mx_must_be_the_preferred_exchange() -> None:
    record = _record(RecordPurpose.RECEIVING_MX)

    assert (
        check(record, ["10 inbound-smtp.us-east-1.amazonaws.com."]).status is RecordStatus.VERIFIED
    )
    shadowed = check(record, ["5 mx.old.example.", "10 inbound-smtp.us-east-1.amazonaws.com."])
    elsewhere = check(record, ["10 mx.old.example."])
    assert shadowed.status is RecordStatus.WRONG
    assert "preference" in (shadowed.detail or "")
    assert elsewhere.status is RecordStatus.WRONG
    assert elsewhere.found == ("10 mx.old.example.",)


def test_spf_needs_exactly_one_record_including_amazonses() -> None:
    record = _record(RecordPurpose.MAIL_FROM_SPF)

    assert check(record, ["v=spf1 include:amazonses.com ~all"]).status is RecordStatus.VERIFIED
    assert check(record, ["v=spf1 -all"]).status is RecordStatus.WRONG
    assert check(record, ["google-site-verification=x"]).status is RecordStatus.MISSING
    two = check(record, ["v=spf1 include:amazonses.com ~all", "v=spf1 mx -all"])
    assert two.status is RecordStatus.WRONG


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        (["v=DMARC1; p=none; rua=mailto:x@example.com"], RecordStatus.VERIFIED),
        (["v=DMARC1;p=reject"], RecordStatus.VERIFIED),
        (["v=DMARC1; rua=mailto:x@example.com"], RecordStatus.WRONG),
        (["v=DMARC1; p=none", "v=DMARC1; p=reject"], RecordStatus.WRONG),
        (["something else"], RecordStatus.MISSING),
    ],
)
def test_dmarc_needs_one_record_with_a_policy(answers: list[str], status: RecordStatus) -> None:
    assert check(_record(RecordPurpose.DMARC), answers).status is status


def test_the_ownership_record_needs_this_claims_own_token() -> None:
    record = _record(RecordPurpose.OWNERSHIP)
    other = "mailman-verification=ffffffffffffffffffffffffffffffff"

    mine = check(record, [other, f"mailman-verification={OWNER}"])
    theirs = check(record, [other, "v=spf1 -all"])
    none = check(record, ["google-site-verification=x"])

    assert mine.status is RecordStatus.VERIFIED
    assert theirs.status is RecordStatus.WRONG
    assert theirs.found == (other,)
    assert "other verification tokens" in (theirs.detail or "")
    assert none.status is RecordStatus.MISSING


def test_zone_snippet_names_records_relative_to_the_origin() -> None:
    snippet = zone_snippet(
        "example.com", required_records("example.com", TOKENS, "us-east-1", OWNER)
    )

    lines = snippet.splitlines()
    assert lines[0] == "$ORIGIN example.com."
    assert any(line.startswith("tok1._domainkey") and "CNAME" in line for line in lines)
    assert any(
        line.startswith("@ ") and "MX    10 inbound-smtp.us-east-1.amazonaws.com." in line
        for line in lines
    )
    assert any(line.startswith("_dmarc") and '"v=DMARC1; p=none;' in line for line in lines)
    assert any(
        line.startswith("_mailman ") and f'TXT   "mailman-verification={OWNER}"' in line
        for line in lines
    )
