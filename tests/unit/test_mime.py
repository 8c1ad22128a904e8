# ruff: noqa: RUF001 - mail text is full of dashes, Cyrillic and full-width forms
"""Everyday mail: the reply formats of common clients, charsets, attachments, malformed mail.

The `.eml` files under tests/fixtures/mail/ are small hand-written messages in the
shapes Gmail, Outlook (desktop and web), Apple Mail and Thunderbird produce.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mailman.domain.addresses import Mailbox
from mailman.domain.charsets import decode_text
from mailman.domain.message_ids import parse_ids
from mailman.mime import Limits, ParsedMail, ReplyText, html_to_text, parse, preview
from mailman.mime import model as parsed_model
from mailman.mime.quotes import extract_reply_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def parse_fixture(name: str) -> ParsedMail:
    return parse((FIXTURES / name).read_bytes())


# --- Gmail ------------------------------------------------------------------------------


def test_gmail_reply_extracts_the_new_text_without_attribution_quote_or_signature() -> None:
    mail = parse_fixture("gmail_reply.eml")

    assert mail.extracted_text == (
        "Sounds good, Thursday at 3pm works for me.\n\nI'll bring the Q3 numbers."
    )
    assert "> Can we move the review" in mail.text
    assert mail.preview == "Sounds good, Thursday at 3pm works for me. I'll bring the Q3 numbers."


def test_gmail_reply_keeps_ids_addresses_and_an_aware_date() -> None:
    mail = parse_fixture("gmail_reply.eml")

    assert mail.message_id == "<CAK9=john2-q3@mail.gmail.com>"
    assert not mail.message_id_generated
    assert mail.in_reply_to == "<CAH2+jane1-q3@mail.gmail.com>"
    assert mail.references == ("<CAH2+root-q3@mail.gmail.com>", "<CAH2+jane1-q3@mail.gmail.com>")
    assert mail.subject == "Re: Q3 review"
    assert mail.from_ == Mailbox("John Smith", "john.smith@example.org")
    assert mail.to == (("Jane Doe", "jane.doe@example.com"),)
    assert mail.cc == ((None, "finance-team@example.org"),)
    assert mail.date == datetime(2026, 11, 3, 18, 42, 7, tzinfo=UTC)
    assert mail.quarantine_reason is None
    assert mail.defects == ()


def test_every_header_is_kept_in_order_unfolded_with_repeats() -> None:
    mail = parse_fixture("gmail_reply.eml")

    names = [name for name, _ in mail.headers]
    received = [value for name, value in mail.headers if name == "Received"]

    assert names[:4] == ["Delivered-To", "Received", "Received", "DKIM-Signature"]
    assert names[-1] == "Content-Type"
    assert len(received) == 2
    assert received[1].startswith("from mail-sor-f41.google.com (mail-sor-f41.google.com.")
    assert "\n" not in received[1]
    assert received[1].endswith("Tue, 03 Nov 2026 10:42:08 -0800 (PST)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b" plain words ", "plain words"),
        (b"folded\r\n over\r\n\tlines", "folded over\tlines"),
        (b"a stray\rbreak", "a stray break"),
        (b"with a NUL\x00 inside", "with a NUL inside"),
        ("caf\u00e9 in UTF-8".encode(), "caf\u00e9 in UTF-8"),
        (b"caf\xe9 in windows-1252", "caf\u00e9 in windows-1252"),
    ],
)
def test_a_header_value_is_unfolded_and_decoded(value: bytes, expected: str) -> None:
    raw = b"From: a@example.com\r\nX-Test:" + value + b"\r\nSubject: s\r\n\r\nbody\r\n"

    mail = parse(raw)

    assert dict(mail.headers)["X-Test"] == expected


def test_a_repeated_header_is_decoded_once_per_value_and_the_first_one_counts() -> None:
    raw = (
        b"From: a@example.com\r\nSubject: first\r\nSubject: =?utf-8?q?second?=\r\n"
        b"Message-ID: <one@example.com>\r\n\r\nbody\r\n"
    )

    mail = parse(raw)

    assert mail.subject == "first"
    assert [v for n, v in mail.headers if n == "Subject"] == ["first", "=?utf-8?q?second?="]
    assert "duplicate_header: Subject" in mail.defects


def test_body_line_breaks_become_newlines_whatever_their_form() -> None:
    raw = b"From: a@example.com\r\nSubject: s\r\n\r\none\r\ntwo\rthree\nfour\r\n"

    assert parse(raw).text == "one\ntwo\nthree\nfour\n"


def test_gmail_html_part_is_kept_next_to_the_text() -> None:
    mail = parse_fixture("gmail_reply.eml")

    assert mail.html is not None
    assert 'class="gmail_quote gmail_quote_container"' in mail.html


def test_french_gmail_reply_in_latin1_decodes_and_drops_the_localized_attribution() -> None:
    mail = parse_fixture("gmail_reply_fr_latin1.eml")

    assert mail.subject == "Re: Réunion jeudi"
    assert mail.from_ == ("Amélie Durand", "amelie.durand@example.fr")
    assert mail.extracted_text == "Merci, c'est noté. Je serai là jeudi à 15 h."
    assert "> Pouvons-nous déplacer la réunion à jeudi après-midi ?" in mail.text
    assert "\ufffd" not in mail.text


# --- Outlook ----------------------------------------------------------------------------


def test_outlook_reply_cuts_the_history_at_the_from_sent_block() -> None:
    mail = parse_fixture("outlook_reply.eml")

    assert mail.extracted_text == (
        "Hi John,\n\nthe signed contract is attached – please countersign by Friday.\n\nGrüße\nAnna"
    )
    assert "Anna, is the final version ready?" in mail.text


def test_outlook_reply_decodes_windows_1252_words_and_bodies() -> None:
    mail = parse_fixture("outlook_reply.eml")

    assert mail.subject == "RE: Contract – final version"
    assert mail.from_ == ("Müller, Anna", "anna.mueller@example.de")
    assert "countersign by Friday" in (mail.html or "")
    assert "–" in mail.text


def test_outlook_attachment_keeps_name_type_size_and_sha256() -> None:
    mail = parse_fixture("outlook_reply.eml")

    (pdf,) = mail.attachments

    assert pdf.filename == "Contract signed.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4")
    assert pdf.size == len(pdf.content)
    assert pdf.sha256 == hashlib.sha256(pdf.content).hexdigest()
    assert not pdf.inline
    assert pdf.content_id is None


def test_outlook_web_html_only_reply_gets_text_from_html_and_cuts_at_divrplyfwdmsg() -> None:
    mail = parse_fixture("outlook_web_reply_html_only.eml")

    assert mail.html is not None
    assert mail.text.startswith("Confirmed – the truck arrives between 8 and 10.")
    assert "Can you confirm the delivery window for Friday?" in mail.text
    assert mail.extracted_text == "Confirmed – the truck arrives between 8 and 10."


# --- Apple Mail -------------------------------------------------------------------------


def test_apple_mail_reply_drops_the_quoted_history_and_sent_from_my_iphone() -> None:
    mail = parse_fixture("apple_mail_reply_inline_image.eml")

    assert mail.extracted_text == (
        "Here is the photo from this morning. The crane arrives on Monday."
    )
    assert mail.message_id == "<4A1C2B3D-5E6F-4789-ABCD-EF0123456789@example.com>"


def test_apple_mail_inline_image_is_an_inline_attachment_the_html_references() -> None:
    mail = parse_fixture("apple_mail_reply_inline_image.eml")

    (image,) = mail.attachments

    assert image.inline
    assert image.filename == "site.png"
    assert image.content_type == "image/png"
    assert image.content_id == "F1E2D3C4-B5A6-4789-9876-543210FEDCBA@example.com"
    assert image.content.startswith(b"\x89PNG")
    assert f"cid:{image.content_id}" in (mail.html or "")


def test_apple_mail_html_blockquote_cite_marks_the_history() -> None:
    mail = parse_fixture("apple_mail_reply_inline_image.eml")

    new_text = extract_reply_text(html_to_text(mail.html or "").new_part)

    assert new_text == "Here is the photo from this morning. The crane arrives on Monday."


# --- Thunderbird ------------------------------------------------------------------------


def test_thunderbird_interleaved_reply_keeps_the_answers_between_quotes() -> None:
    mail = parse_fixture("thunderbird_reply_interleaved.eml")

    assert mail.extracted_text == (
        "Yes, until the migration is done. After that we can drop it. Probably in January."
        "\n\nMarta does, since October."
    )
    assert mail.from_ == ("Tomás Ruiz", "tomas.ruiz@example.de")


def test_format_flowed_soft_breaks_are_joined_in_the_text() -> None:
    mail = parse_fixture("thunderbird_reply_interleaved.eml")

    assert "After that we can drop it. Probably in January.\n" in mail.text
    assert "\n-- \nTomás Ruiz" in mail.text


def test_forwarded_message_is_kept_whole_as_a_message_rfc822_attachment() -> None:
    mail = parse_fixture("thunderbird_forward_as_attachment.eml")

    (forwarded,) = mail.attachments

    assert forwarded.content_type == "message/rfc822"
    assert forwarded.filename == "Quote 2026-117.eml"
    assert forwarded.content.startswith(b"From: Supplier Sales <sales@supplier.example>")
    assert b"quote-2026-117.pdf" in forwarded.content
    assert mail.text.strip() == "FYI - the supplier's original quote is attached."
    assert "valid for 30 days" not in mail.text


def test_a_forwarded_message_parses_on_its_own() -> None:
    outer = parse_fixture("thunderbird_forward_as_attachment.eml")

    inner = parse(outer.attachments[0].content)

    assert inner.message_id == "<quote-2026-117@supplier.example>"
    assert inner.text.strip() == "Please find our quote attached. It is valid for 30 days."
    assert [a.filename for a in inner.attachments] == ["quote-2026-117.pdf"]


# --- charsets ---------------------------------------------------------------------------


def test_koi8_r_body_subject_and_name_decode() -> None:
    mail = parse_fixture("koi8r_plain.eml")

    assert mail.subject == "Счёт за ноябрь"
    assert mail.from_ == ("Иван Петров", "ivan.petrov@example.ru")
    assert mail.text.startswith("Добрый день!\n\nСчёт за ноябрь во вложении.")
    assert mail.date == datetime(2026, 11, 9, 12, tzinfo=timezone(timedelta(hours=3)))


def test_iso_2022_jp_body_subject_and_names_decode() -> None:
    mail = parse_fixture("iso2022jp_plain.eml")

    assert mail.subject == "会議の件"
    assert mail.from_ == ("佐藤 花子", "hanako.sato@example.jp")
    assert mail.to == (("田中 太郎", "taro.tanaka@example.jp"),)
    assert "明日の会議は十時からです。" in mail.text
    assert mail.defects == ()


def test_latin_1_label_is_decoded_rather_than_replaced() -> None:
    # fast-mail-parser's own text decoding turns charset=latin-1 into U+FFFD; ours must not.
    mail = parse_fixture("latin1_label_8bit.eml")

    assert mail.text.startswith("Sehr geehrte Frau Müller,")
    assert "Grüßen aus Köln" in mail.text
    assert "\ufffd" not in mail.text
    assert mail.subject == "Rechnung für Oktober"
    assert mail.from_ == ("Jörg Weiß", "joerg.weiss@example.de")


def test_utf8_body_declared_as_latin_1_is_read_as_utf8_with_a_defect() -> None:
    mail = parse_fixture("misdeclared_charset.eml")

    assert mail.text == "Café crème for everyone – 12 € per person.\n\nSee you at 4.\n"
    assert "charset_mismatch: iso-8859-1 -> utf-8 (text/plain)" in mail.defects


@pytest.mark.parametrize(
    ("data", "declared", "expected", "defect"),
    [
        (b"Gr\xfc\xdfe", "latin-1", "Grüße", None),
        (b"\x93quoted\x94", "iso-8859-1", "“quoted”", None),
        (b"\x93quoted\x94", None, "“quoted”", "charset_fallback: none -> cp1252"),
        (b"\x93quoted\x94", "us-ascii", "“quoted”", "charset_fallback: us-ascii -> cp1252"),
        ("Grüße".encode(), "windows-1252", "Grüße", "charset_mismatch: windows-1252 -> utf-8"),
        ("日本語".encode("shift_jis"), "shift_jis", "日本語", None),
        ("①".encode("cp932"), "shift_jis", "①", None),
        ("中文".encode("gb18030"), "gb2312", "中文", None),
        (b"caf\xe9", "x-bogus", "café", "charset_fallback: x-bogus -> cp1252"),
        (b"plain", "x-bogus", "plain", "unknown_charset: x-bogus"),
        (b"\\u0041", "unicode-escape", "\\u0041", "unknown_charset: unicode-escape"),
        ("Grüße".encode() + b"\xff", "utf-8", "Grüße\ufffd", "charset_errors: utf-8"),
        (b"x\x81y", "iso-8859-1", "x\x81y", "charset_fallback: iso-8859-1 -> latin-1"),
    ],
)
def test_text_is_decoded_through_the_charset_fallback_chain(
    data: bytes, declared: str | None, expected: str, defect: str | None
) -> None:
    assert decode_text(data, declared) == (expected, defect)


# --- malformed mail ---------------------------------------------------------------------


def test_unclosed_multipart_keeps_its_text_and_a_leniently_decoded_attachment() -> None:
    mail = parse_fixture("broken_unclosed_multipart.eml")

    (scan,) = mail.attachments

    assert mail.quarantine_reason is None
    assert mail.text.strip() == "Your scan is attached."
    assert scan.filename == "scan-0042.png"
    assert scan.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "multipart_not_closed: multipart/mixed" in mail.defects
    assert "lenient_decode: image/png" in mail.defects


def test_multipart_whose_boundary_never_appears_keeps_its_body_as_text() -> None:
    mail = parse_fixture("broken_wrong_boundary.eml")

    assert mail.quarantine_reason is None
    assert "the new office opens on December 1." in mail.text
    assert "multipart_without_parts: multipart/alternative" in mail.defects


def test_message_missing_most_headers_is_parsed_with_a_generated_id_and_defects() -> None:
    raw = (FIXTURES / "broken_missing_headers.eml").read_bytes()

    mail = parse(raw)

    assert mail.quarantine_reason is None
    assert mail.message_id_generated
    assert mail.message_id.endswith("@mailman.generated>")
    assert mail.message_id == parse(raw).message_id
    assert mail.subject == "no sender, no date, no id"
    assert mail.from_ is None
    assert mail.date is None
    assert {"missing_message_id", "missing_date", "missing_from"} <= set(mail.defects)
    assert "missing_header_separator" in mail.defects
    assert "Hello from a script" in mail.text


# --- pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Agreed.\n\nAm Di., 3. Nov. 2026 um 10:15 Uhr schrieb Jane Doe <jane@example.com>:\n"
            "> Passt Donnerstag?\n",
            "Agreed.",
        ),
        (
            "Vale.\n\nEl mar, 3 nov 2026 a las 10:15, Jane Doe (<jane@example.com>) escribió:\n\n"
            "> ¿Te va bien el jueves?\n",
            "Vale.",
        ),
        (
            "Va bene.\n\nIl giorno mar 3 nov 2026 alle ore 10:15 Jane Doe <jane@example.com> "
            "ha scritto:\n> Giovedì va bene?\n",
            "Va bene.",
        ),
        (
            "Prima.\n\nOp di 3 nov 2026 om 10:15 schreef Jane Doe <jane@example.com>:\n"
            "> Donderdag?\n",
            "Prima.",
        ),
        (
            "Ok!\n\n2026年11月3日(火) 10:15 Jane Doe <jane@example.com>:\n"
            "> 木曜日は大丈夫ですか？\n",
            "Ok!",
        ),
        (
            "See below.\n\n-----Original Message-----\nFrom: Jane Doe\nSent: Tuesday\n"
            "To: John\nSubject: Plan\n\nOld text\n",
            "See below.",
        ),
        (
            "Look at this.\n\nBegin forwarded message:\n\nFrom: Jane Doe <jane@example.com>\n"
            "Subject: Plan\n\nOld text\n",
            "Look at this.",
        ),
        (
            "FYI\n\n---------- Forwarded message ---------\nFrom: Jane Doe <jane@example.com>\n"
            "Date: Tue, Nov 3, 2026\nSubject: Plan\n\nOld text\n",
            "FYI",
        ),
        (
            "Danke!\n\nVon: Jane Doe <jane@example.com>\nGesendet: Dienstag, 3. November 2026\n"
            "An: John\nBetreff: Plan\n\nAlter Text\n",
            "Danke!",
        ),
        (
            "Yes.\n\nOn Tue, Nov 3, 2026 at 10:15 AM Jane <jane@example.com> wrote:\n\n"
            "History that lost its quote marks.\n",
            "Yes.",
        ),
        ("Short note.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n", "Short note."),
        (
            "No quotes here.\nHere is what I wrote:\n\nThe plan stays.\n",
            "No quotes here.\nHere is what I wrote:\n\nThe plan stays.",
        ),
        (
            "Text\n--\nnot a signature?\n" + "line\n" * 40,
            "Text\n--\nnot a signature?" + "\nline" * 40,
        ),
        ("\n\nFirst.\n\n\n\n  \nSecond.\n\n\n", "First.\n\nSecond."),
    ],
)
def test_reply_extraction_handles_the_common_client_formats(text: str, expected: str) -> None:
    assert extract_reply_text(text) == expected


def test_html_to_text_drops_scripts_styles_and_renders_blockquotes_as_quotes() -> None:
    source = (
        "<html><head><style>p{color:red}</style><title>T</title></head><body>"
        "<p>Hello&nbsp;<b>world</b></p><script>alert(1)</script><div>a &lt; b<br>next</div>"
        '<blockquote type="cite"><div>old</div></blockquote><ul><li>one</li><li>two</li></ul>'
        "</body></html>"
    )

    text, new_part = html_to_text(source)

    assert text == "Hello world\n\na < b\nnext\n\n> old\n\n- one\n- two"
    assert new_part == "Hello world\n\na < b\nnext"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "<a@example.com> <b@example.com>\r\n <a@example.com>",
            ["<a@example.com>", "<b@example.com>"],
        ),
        ("<a@mail.example .com>", ["<a@mail.example.com>"]),
        ("<a@example.com> (Jane's message of <not-an-id@example.com>)", ["<a@example.com>"]),
        ("bare@example.com", ["<bare@example.com>"]),
        ("no id here", []),
    ],
)
def test_message_ids_are_parsed_leniently(value: str, expected: list[str]) -> None:
    assert list(parse_ids(value)) == expected


def test_preview_collapses_whitespace_drops_invisible_characters_and_stops_near_200() -> None:
    text = "  Hello\u200b \n\n world  " + "lorem ipsum " * 40

    result = preview(text)

    assert result.startswith("Hello world lorem ipsum")
    assert len(result) <= 200
    assert not result.endswith(" ")


# --- the reply text, derived when first read --------------------------------------------


def test_the_reply_text_is_derived_once_when_first_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(text: str) -> str:
        calls.append(text)
        return extract_reply_text(text)

    monkeypatch.setattr(parsed_model, "extract_reply_text", counted)
    mail = parse_fixture("gmail_reply.eml")
    assert calls == []

    assert mail.preview.startswith("Sounds good, Thursday at 3pm works for me.")
    assert mail.extracted_text.endswith("I'll bring the Q3 numbers.")
    assert calls == [mail.text]


def test_html_only_mail_takes_its_reply_text_from_the_new_part_of_the_html() -> None:
    raw = (
        b"From: a@example.com\r\nMessage-ID: <h@example.com>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>Yes, ship it.</p><div class="gmail_quote">On Mon, Nov 2, 2026 at 9:00 AM '
        b"Jane &lt;jane@example.com&gt; wrote:<blockquote>Ship it?</blockquote></div>"
    )

    mail = parse(raw)

    assert "Ship it?" in mail.text
    assert mail.extracted_text == "Yes, ship it."
    assert mail.preview == "Yes, ship it."


def test_when_reply_extraction_fails_the_new_part_is_the_whole_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(text: str) -> str:
        raise ValueError("a bug")

    monkeypatch.setattr(parsed_model, "extract_reply_text", broken)
    mail = parse_fixture("gmail_reply.eml")

    assert mail.extracted_text == mail.text
    assert mail.preview == preview(mail.text)
    assert mail.quarantine_reason is None


def test_parsed_mail_compares_by_its_reply_text_derived_or_known() -> None:
    mail = parse_fixture("gmail_reply.eml")
    known = ReplyText.known(mail.extracted_text, mail.preview)

    assert parse_fixture("gmail_reply.eml") == mail
    assert known == mail.reply
    assert hash(known) == hash(mail.reply)
    assert known != ReplyText.known(mail.extracted_text, "another preview")
    assert "Sounds good" in repr(known)


# --- the isolated parser ----------------------------------------------------------------


def test_isolated_parse_answers_what_the_in_process_parse_answers() -> None:
    raw = (FIXTURES / "outlook_reply.eml").read_bytes()

    isolated = parse(raw, Limits(isolate_above_bytes=0))

    assert isolated == parse(raw)
    assert isolated.attachments[0].content.startswith(b"%PDF-1.4")


def test_a_message_over_the_isolation_threshold_is_parsed_in_full() -> None:
    payload = bytes(range(256)) * (6 * 1024)
    raw = (
        b"From: a@example.com\r\nMessage-ID: <big@example.com>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=blob.bin\r\n\r\n"
        + base64.encodebytes(payload)
        + b"--b--\r\n"
    )

    mail = parse(raw, Limits(isolate_above_bytes=1024))

    assert mail.quarantine_reason is None
    assert mail.text.strip() == "see attached"
    assert mail.attachments[0].content == payload
    assert mail.attachments[0].filename == "blob.bin"
