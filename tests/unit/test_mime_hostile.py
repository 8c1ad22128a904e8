"""Hostile mail: every case ends parsed or quarantined with a reason, and nothing raises.

The corpus is generated, here and by the generators bench/parse.py shares, rather than
stored. Time and memory are bounded by the mechanism under test (pre-checks on the raw
bytes, then the in-process deadline or the isolated worker's RLIMIT_AS and wall-clock
kill); the tests assert outcomes and reasons, never durations.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from pathlib import Path

import fast_mail_parser
import pytest

from bench.parse import hostile_message, nested_parts, sibling_parts
from mailman.mime import DEFAULT_LIMITS, Limits, ParsedMail, QuarantineReason, parse
from mailman.mime.prescan import scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def assert_quarantined_with_safe_headers(mail: ParsedMail, reason: QuarantineReason) -> None:
    assert mail.quarantine_reason is reason
    assert mail.message_id == "<hostile@example.net>"
    assert mail.from_ == ("Mallory", "mallory@example.net")
    assert mail.text == ""
    assert mail.attachments == ()


# --- the cases of issue 5 -----------------------------------------------------------------


def test_32_kb_content_type_of_semicolons_parses_as_plain_text() -> None:
    raw = hostile_message(b"Content-Type: text/plain" + b";" * 32_768 + b"\r\n")

    mail = parse(raw)

    assert mail.quarantine_reason is None
    assert mail.text == "hello\n"
    assert mail.subject == "hostile"


def test_to_of_20000_addresses_is_quarantined_with_the_other_headers_read() -> None:
    raw = hostile_message(
        b"To: " + b", ".join(b"user%d@example.com" % i for i in range(20_000)) + b"\r\n"
    )

    mail = parse(raw)

    assert_quarantined_with_safe_headers(mail, QuarantineReason.HEADER_TOO_LONG)
    assert mail.to == ()
    assert "header_too_long: To > 65536 bytes" in mail.defects


def test_subject_of_10000_encoded_words_is_quarantined() -> None:
    raw = hostile_message(
        b"X-Subject: " + b" ".join(b"=?utf-8?q?abc?=" for _ in range(10_000)) + b"\r\n"
    )

    mail = parse(raw)

    assert_quarantined_with_safe_headers(mail, QuarantineReason.HEADER_TOO_LONG)
    assert "header_too_long: X-Subject > 65536 bytes" in mail.defects


def test_1000_nested_parts_are_quarantined_as_too_deep() -> None:
    mail = parse(nested_parts(1_000))

    assert_quarantined_with_safe_headers(mail, QuarantineReason.MIME_TOO_DEEP)


def test_nesting_within_the_limit_is_parsed_down_to_the_innermost_part() -> None:
    mail = parse(nested_parts(DEFAULT_LIMITS.max_mime_depth))

    assert mail.quarantine_reason is None
    assert mail.text == "inner"


def test_boundary_that_prefixes_a_body_line_is_reported_as_a_structure_mismatch() -> None:
    # fast-mail-parser takes "--b10 ..." for a delimiter of boundary "b1"; the pre-check
    # does not, and the disagreement is recorded rather than silently accepted.
    raw = hostile_message(
        b'Content-Type: multipart/mixed; boundary="b1"\r\n',
        b"--b1\r\nContent-Type: text/plain\r\n\r\nline one\r\n--b10 is not a delimiter\r\n"
        b"line three\r\n--b1--\r\n",
    )

    mail = parse(raw)

    assert mail.quarantine_reason is None
    assert mail.text.startswith("line one")
    assert "structure_mismatch" in mail.defects


def test_50000_sibling_parts_are_quarantined_as_too_many_parts() -> None:
    mail = parse(sibling_parts(50_000))

    assert_quarantined_with_safe_headers(mail, QuarantineReason.TOO_MANY_PARTS)


def test_100000_header_fields_are_quarantined_as_too_many_headers() -> None:
    raw = hostile_message(b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)))

    mail = parse(raw)

    assert_quarantined_with_safe_headers(mail, QuarantineReason.TOO_MANY_HEADERS)
    assert len(mail.headers) == DEFAULT_LIMITS.max_header_count


def test_10_mb_header_is_quarantined_as_too_long() -> None:
    raw = hostile_message(b"X-Big: " + b"a" * (10 * 1024 * 1024) + b"\r\n")

    mail = parse(raw)

    assert_quarantined_with_safe_headers(mail, QuarantineReason.HEADER_TOO_LONG)
    assert mail.size == len(raw)


def test_header_block_over_its_limit_is_quarantined() -> None:
    raw = hostile_message(b"".join(b"X-Pad-%03d: %s\r\n" % (i, b"p" * 400) for i in range(900)))

    mail = parse(raw)

    assert_quarantined_with_safe_headers(mail, QuarantineReason.HEADER_BLOCK_TOO_LARGE)


def test_message_over_40_mb_is_quarantined_without_parsing() -> None:
    raw = hostile_message(b"Content-Type: text/plain\r\n", b"x" * DEFAULT_LIMITS.max_message_bytes)

    mail = parse(raw)

    assert_quarantined_with_safe_headers(mail, QuarantineReason.MESSAGE_TOO_LARGE)
    assert mail.size > 40 * 1024 * 1024


def test_bogus_charset_is_decoded_by_the_fallback_chain_with_a_defect() -> None:
    raw = hostile_message(
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n", b"caf\xe9 cr\xe8me\r\n"
    )

    mail = parse(raw)

    assert mail.quarantine_reason is None
    assert mail.text == "café crème\n"
    assert "charset_fallback: x-no-such-charset -> cp1252 (text/plain)" in mail.defects


def test_bogus_charset_in_an_encoded_word_still_gives_a_subject() -> None:
    raw = hostile_message(b"X-Note: =?x-bogus?q?caf=E9?=\r\n").replace(
        b"Subject: hostile", b"Subject: =?x-bogus?q?caf=E9?= ok"
    )

    mail = parse(raw)

    assert mail.subject == "café ok"


def test_attachment_without_a_name_keeps_filename_none() -> None:
    raw = hostile_message(
        b'Content-Type: multipart/mixed; boundary="n"\r\n',
        b"--n\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        b"--n\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b"\r\n" + base64.encodebytes(b"\x00\x01binary") + b"--n--\r\n",
    )

    mail = parse(raw)

    (attachment,) = mail.attachments
    assert attachment.filename is None
    assert attachment.content == b"\x00\x01binary"
    assert attachment.content_type == "application/octet-stream"
    assert not attachment.inline


def _named(content_disposition: bytes, content_type: bytes = b"application/octet-stream") -> bytes:
    return hostile_message(
        b'Content-Type: multipart/mixed; boundary="n"\r\n',
        b"--n\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        b"--n\r\nContent-Type: " + content_type + b"\r\n"
        b"Content-Disposition: " + content_disposition + b"\r\n\r\nx\r\n--n--\r\n",
    )


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        (b'attachment; filename="../../../etc/passwd"', "../../../etc/passwd"),
        (b"attachment; filename=a.b/../../x", "a.b/../../x"),
        (b"attachment; filename*=utf-8''evil%E2%80%AEtxt.exe", "evil\u202etxt.exe"),
        (b'attachment; filename="x.${}"', "x.${}"),
        (b'attachment; filename="say \\"hi\\".txt"', 'say "hi".txt'),
        (b'attachment; filename="..\\\\..\\\\win.ini"', "..\\..\\win.ini"),
        (b"attachment; filename*=utf-8''a%5C%22b.txt", 'a\\"b.txt'),
        (b'attachment; filename="nul\x00.pdf"', "nul.pdf"),
    ],
)
def test_an_attachment_name_is_kept_as_the_sender_wrote_it(
    disposition: bytes, filename: str
) -> None:
    mail = parse(_named(disposition))

    (attachment,) = mail.attachments
    assert attachment.filename == filename


def test_quoted_pairs_of_a_content_type_name_are_undone() -> None:
    mail = parse(_named(b"attachment", b'application/pdf; name="a\\\\b \\"c\\".pdf"'))

    (attachment,) = mail.attachments
    assert attachment.filename == 'a\\b "c".pdf'


def test_missing_message_id_gets_a_stable_id_from_the_content() -> None:
    raw = hostile_message().replace(b"Message-ID: <hostile@example.net>\r\n", b"")
    relayed = b"Received: from relay.example.net by mx.example.org\r\n" + raw
    edited = raw.replace(b"hello", b"hullo")

    first, again, via_relay, other = parse(raw), parse(raw), parse(relayed), parse(edited)

    assert first.message_id_generated
    assert first.message_id.endswith("@mailman.generated>")
    assert first.message_id == again.message_id == via_relay.message_id
    assert other.message_id != first.message_id
    assert "missing_message_id" in first.defects


def test_unusable_message_id_is_replaced_by_a_generated_one() -> None:
    raw = hostile_message().replace(b"<hostile@example.net>", b"< >")

    mail = parse(raw)

    assert mail.message_id_generated
    assert "bad_message_id" in mail.defects


def test_duplicate_message_id_with_different_content_parses_both_apart() -> None:
    one = hostile_message(body=b"the first message\r\n")
    two = hostile_message(body=b"a different message reusing the id\r\n")

    first, second = parse(one), parse(two)

    assert first.quarantine_reason is None
    assert second.quarantine_reason is None
    assert first.message_id == second.message_id == "<hostile@example.net>"
    assert first.raw_sha256 != second.raw_sha256
    assert first.text != second.text


def test_duplicate_singleton_headers_are_reported() -> None:
    raw = hostile_message(b"From: Eve <eve@example.net>\r\n")

    mail = parse(raw)

    assert mail.from_ == ("Mallory", "mallory@example.net")
    assert "duplicate_header: From" in mail.defects


def test_header_block_the_parser_refuses_is_rewritten_and_parsed() -> None:
    # fast-mail-parser raises HeaderParseError on a first line that starts with a space.
    raw = b" stray fragment\r\n" + hostile_message()

    mail = parse(raw)

    assert mail.quarantine_reason is None
    assert mail.subject == "hostile"
    assert mail.text == "hello\n"
    assert {"stray_header_line", "headers_rewritten"} <= set(mail.defects)


def test_nul_bytes_never_reach_the_text() -> None:
    raw = hostile_message(b"Content-Type: text/plain; charset=utf-8\r\n", b"a\x00b\r\n")

    mail = parse(raw)

    assert mail.text == "ab\n"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: sibling_parts(50_000), QuarantineReason.TOO_MANY_PARTS),
        (lambda: nested_parts(1_000), QuarantineReason.MIME_TOO_DEEP),
        (
            lambda: hostile_message(b"".join(b"X-H%d: v\r\n" % i for i in range(100_000))),
            QuarantineReason.TOO_MANY_HEADERS,
        ),
        (
            lambda: hostile_message(b"X-Big: " + b"a" * (10 * 1024 * 1024) + b"\r\n"),
            QuarantineReason.HEADER_TOO_LONG,
        ),
    ],
)
def test_pre_check_rejects_the_raw_bytes_before_any_parser_runs(
    make: Callable[[], bytes], reason: QuarantineReason
) -> None:
    verdict = scan(make(), DEFAULT_LIMITS)

    assert verdict.reason is reason


# --- the budget ---------------------------------------------------------------------------


def test_exhausted_time_budget_in_process_quarantines_with_headers() -> None:
    mail = parse(hostile_message(), Limits(time_budget_seconds=0))

    assert_quarantined_with_safe_headers(mail, QuarantineReason.TIME_BUDGET_EXCEEDED)


def test_isolated_parser_is_killed_at_the_time_budget() -> None:
    mail = parse(hostile_message(), Limits(isolate_above_bytes=0, time_budget_seconds=0.01))

    assert_quarantined_with_safe_headers(mail, QuarantineReason.TIME_BUDGET_EXCEEDED)
    assert "time_budget: isolated parse" in mail.defects


def test_isolated_parser_over_its_memory_budget_is_quarantined() -> None:
    payload = base64.encodebytes(random.Random(7).randbytes(3 * 1024 * 1024))
    raw = hostile_message(
        b'Content-Type: multipart/mixed; boundary="m"\r\n',
        b"--m\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"--m--\r\n",
    )

    mail = parse(raw, Limits(memory_budget_bytes=16 * 1024 * 1024))

    assert_quarantined_with_safe_headers(mail, QuarantineReason.MEMORY_BUDGET_EXCEEDED)


def test_same_message_within_its_memory_budget_parses() -> None:
    payload = random.Random(7).randbytes(3 * 1024 * 1024)
    raw = hostile_message(
        b'Content-Type: multipart/mixed; boundary="m"\r\n',
        b"--m\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(payload) + b"--m--\r\n",
    )

    mail = parse(raw)

    assert mail.quarantine_reason is None
    assert mail.attachments[0].content == payload


# --- anything at all ----------------------------------------------------------------------


PARSER_ERRORS = {cls.__name__ for cls in fast_mail_parser.ParseError.__subclasses__()}


def mutations(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    sources = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
    out: list[bytes] = [b"", b"\r\n\r\n", b":", b"\x00" * 64, bytes(range(256)) * 8]
    for _ in range(count):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            action = rng.randrange(4)
            if action == 0:
                data[at] = rng.randrange(256)
            elif action == 1:
                del data[at : at + rng.randint(1, 64)]
            elif action == 2:
                data[at:at] = rng.choice([b"\r\n", b"--", b"=?", b"<", b";", b"\r\n\r\n", b">"])
            else:
                data = data[:at]
                break
        out.append(bytes(data))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_mutated_mail_always_answers_without_an_internal_error(seed: int) -> None:
    for raw in mutations(seed, 150):
        mail = parse(raw)

        assert isinstance(mail, ParsedMail)
        if mail.quarantine_reason is QuarantineReason.PARSER_FAILED:
            assert set(mail.defects) & PARSER_ERRORS, mail.defects
        else:
            assert mail.quarantine_reason is None
