"""`X-Mailman-Local-Verdicts`: the local platform's way to set SES's verdicts for one message."""

from __future__ import annotations

import pytest

from local.ses_inbound import BadLocalVerdicts, LocalVerdicts, take_local_verdicts

BODY = b"Hello\r\n\r\nX-Mailman-Local-Verdicts: spam=FAIL (in the body: not a header)\r\n"


def _mail(*fields: bytes, newline: bytes = b"\r\n") -> bytes:
    head = newline.join([b"From: a@example.com", *fields, b"Subject: hi"])
    return head + newline + newline + BODY.replace(b"\r\n", newline)


def test_the_header_sets_the_verdicts_and_is_taken_out() -> None:
    raw = _mail(b"X-Mailman-Local-Verdicts: spam=FAIL; virus=fail; dmarc=FAIL; dmarc-policy=reject")

    stripped, chosen = take_local_verdicts(raw)

    assert chosen == LocalVerdicts({"spam": "FAIL", "virus": "FAIL", "dmarc": "FAIL"}, "reject")
    assert stripped == _mail()


def test_a_folded_header_in_any_case_and_bare_newlines_are_taken_out_whole() -> None:
    raw = _mail(b"x-mailman-local-verdicts: spf=GRAY;\n\tdkim=PROCESSING_FAILED", newline=b"\n")

    stripped, chosen = take_local_verdicts(raw)

    assert chosen.verdicts == {"spf": "GRAY", "dkim": "PROCESSING_FAILED"}
    assert chosen.dmarc_policy is None
    assert stripped == _mail(newline=b"\n")


def test_several_fields_add_up() -> None:
    raw = _mail(b"X-Mailman-Local-Verdicts: spam=FAIL", b"X-Mailman-Local-Verdicts: virus=FAIL")

    stripped, chosen = take_local_verdicts(raw)

    assert chosen.verdicts == {"spam": "FAIL", "virus": "FAIL"}
    assert b"X-Mailman-Local-Verdicts" not in stripped.split(b"\r\n\r\n")[0]


def test_mail_without_the_header_is_left_byte_for_byte() -> None:
    raw = _mail(b"X-Other: spam=FAIL")

    stripped, chosen = take_local_verdicts(raw)

    assert stripped is raw
    assert chosen == LocalVerdicts()


@pytest.mark.parametrize(
    "value",
    [b"spam=MAYBE", b"sapm=FAIL", b"virus", b"dmarc-policy=strict", b"spam=FAIL; size=FAIL"],
)
def test_what_ses_has_no_verdict_for_is_refused(value: bytes) -> None:
    with pytest.raises(BadLocalVerdicts, match="cannot set"):
        take_local_verdicts(_mail(b"X-Mailman-Local-Verdicts: " + value))
