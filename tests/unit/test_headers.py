"""What may go into a header: the text (no line break of any kind, no control character, no
lone surrogate) and the custom headers a message may set (an allow-list)."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.headers import (
    LINE_BREAKS,
    MAX_HEADER_VALUE_LENGTH,
    MAX_HEADERS_LENGTH,
    check_header_text,
    check_headers,
)

EVERY_CHARACTER = [chr(code) for code in range(sys.maxunicode + 1)]


def _ends_a_line(char: str) -> bool:
    return len(f"a{char}b".splitlines()) > 1


def _is_control_or_surrogate(char: str) -> bool:
    return char != "\t" and unicodedata.category(char) in ("Cc", "Cs")


def test_the_line_breaks_are_exactly_those_str_splitlines_knows() -> None:
    derived = {char for char in EVERY_CHARACTER if _ends_a_line(char)}

    assert derived == LINE_BREAKS


@pytest.mark.parametrize("char", sorted(c for c in EVERY_CHARACTER if _ends_a_line(c)))
def test_every_character_that_ends_a_line_is_refused_naming_the_field(char: str) -> None:
    with pytest.raises(ValidationError, match="line break") as raised:
        check_header_text(f"Hello{char}Bcc: victim@x.example", "subject")

    assert raised.value.field == "subject"
    assert f"U+{ord(char):04X}" in raised.value.message


def test_control_characters_but_tab_and_lone_surrogates_are_refused() -> None:
    refused = [c for c in EVERY_CHARACTER if _is_control_or_surrogate(c) and not _ends_a_line(c)]
    reasons = set()

    for char in refused:
        with pytest.raises(ValidationError) as raised:
            check_header_text(f"a{char}b", "headers.X-Tag")
        assert raised.value.field == "headers.X-Tag"
        reasons.add(raised.value.message.partition(", ")[2])

    # C0 but tab and the seven line breaks, DEL, C1 but NEL, the surrogates
    assert len(refused) == (32 - 8) + 1 + (32 - 1) + 2048
    assert reasons == {
        "a control character (only tab is allowed)",
        "a lone surrogate (text that is not valid Unicode)",
    }


def test_everything_else_is_header_text() -> None:
    accepted = "".join(
        c for c in EVERY_CHARACTER if not _ends_a_line(c) and not _is_control_or_surrogate(c)
    )

    assert check_header_text(accepted, "subject") == accepted
    assert "\t" in accepted


@pytest.mark.parametrize(
    "name",
    [
        "X-Campaign",
        "x-priority",
        "X-Entity-Ref-ID",
        "Keywords",
        "Comments",
        "Importance",
        "Priority",
        "Sensitivity",
        "Auto-Submitted",
        "precedence",
        "List-Id",
        "List-Archive",
        "List-Help",
        "List-Post",
        "List-Owner",
        "List-Subscribe",
        "Organization",
    ],
)
def test_x_headers_and_harmless_standard_headers_may_be_set(name: str) -> None:
    assert check_headers([(name, "value")]) == ((name, "value"),)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("X-SES-CONFIGURATION-SET", "instruct Amazon SES"),
        ("x-ses-message-tags", "instruct Amazon SES"),
        ("X-SES-SOURCE-ARN", "instruct Amazon SES"),
        ("Return-Path", "trace or authentication"),
        ("DKIM-Signature", "trace or authentication"),
        ("DomainKey-Signature", "trace or authentication"),
        ("Received", "trace or authentication"),
        ("received-spf", "trace or authentication"),
        ("Authentication-Results", "trace or authentication"),
        ("ARC-Seal", "trace or authentication"),
        ("ARC-Message-Signature", "trace or authentication"),
        ("ARC-Authentication-Results", "trace or authentication"),
        ("Delivered-To", "trace or authentication"),
        ("X-Original-To", "trace or authentication"),
        ("Feedback-ID", "trace or authentication"),
        ("Resent-From", "trace or authentication"),
        ("Resent-Message-ID", "trace or authentication"),
        ("X-Spam-Status", "trace or authentication"),
        ("From", "Mailman from the message's own fields"),
        ("message-id", "Mailman from the message's own fields"),
        ("Content-Type", "Mailman from the message's own fields"),
        ("Sender", "Mailman from the message's own fields"),
        ("List-Unsubscribe", "use the list_unsubscribe field"),
        ("List-Unsubscribe-Post", "use the list_unsubscribe field"),
        ("Disposition-Notification-To", "not a header a message may set"),
        ("Bcc-Copy", "not a header a message may set"),
        ("Bad Name", "not a valid header name"),
        ("X-Colon:", "not a valid header name"),
        ("X-" + "a" * 75, "not a valid header name"),
    ],
)
def test_headers_a_message_may_not_set_are_refused_saying_why(name: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as raised:
        check_headers([("X-Campaign", "winter"), (name, "value")])

    assert raised.value.field == f"headers.{name}"


def test_a_header_named_twice_in_different_case_is_refused() -> None:
    with pytest.raises(ValidationError, match="given twice") as raised:
        check_headers([("X-Campaign", "a"), ("x-campaign", "b")])

    assert raised.value.field == "headers.x-campaign"


def test_a_header_value_is_header_text() -> None:
    with pytest.raises(ValidationError, match=r"U\+2028") as raised:
        check_headers([("X-Campaign", "winter\u2028Bcc: victim@x.example")])

    assert raised.value.field == "headers.X-Campaign"


def test_a_header_value_may_be_2000_characters_not_more() -> None:
    check_headers([("X-Long", "é" * MAX_HEADER_VALUE_LENGTH)])

    with pytest.raises(ValidationError) as refused:
        check_headers([("X-Long", "é" * (MAX_HEADER_VALUE_LENGTH + 1))])

    assert refused.value.field == "headers.X-Long"


def test_custom_headers_are_bounded_all_together() -> None:
    many = [(f"X-H{n}", "v" * 1990) for n in range(8)]
    check_headers(many)

    with pytest.raises(ValidationError) as refused:
        check_headers([*many, ("X-Last", "v" * 500)])

    assert refused.value.field == "headers"
    assert f"{MAX_HEADERS_LENGTH:,}" in refused.value.message
