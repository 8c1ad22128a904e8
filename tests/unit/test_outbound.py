"""Outgoing mail: the rules it must pass, and the MIME it becomes, read back by our own
inbound parser (what we send, we can receive)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from mailman import mime
from mailman.domain.errors import CompositionFailed, ValidationError
from mailman.domain.filenames import download_name
from mailman.domain.headers import check_header_text
from mailman.domain.names import MAX_ADDRESS_OCTETS, MAX_LOCAL_PART_OCTETS
from mailman.domain.outbound import (
    MAX_RECIPIENTS,
    Address,
    Outgoing,
    OutgoingAttachment,
    check_list_unsubscribe,
    check_outgoing,
    parse_address,
    parse_addresses,
)
from mailman.mime import compose

SENDER = Address("support@acme.example", "Acme Support")
SENT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _build(message: Outgoing, **kwargs: str) -> bytes:
    return compose(check_outgoing(message), message_id="<out-1@acme.example>", date=SENT, **kwargs)


def _outgoing(**fields: object) -> Outgoing:
    values: dict[str, object] = {
        "sender": SENDER,
        "to": (Address("jane@customer.example", "Jane Doe"),),
        "subject": "Your order",
        "text": "It ships today.",
    }
    values.update(fields)
    return Outgoing(**values)  # type: ignore[arg-type]


def test_a_text_message_reads_back_as_sent() -> None:
    raw = _build(_outgoing(cc=(Address("boss@customer.example"),)))

    parsed = mime.parse(raw)
    assert parsed.message_id == "<out-1@acme.example>"
    assert parsed.from_ is not None
    assert (parsed.from_.name, parsed.from_.address) == ("Acme Support", "support@acme.example")
    assert [m.address for m in parsed.to] == ["jane@customer.example"]
    assert [m.address for m in parsed.cc] == ["boss@customer.example"]
    assert parsed.subject == "Your order"
    assert parsed.text.strip() == "It ships today."
    assert parsed.date == SENT
    assert parsed.defects == ()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_bcc_goes_to_the_envelope_only() -> None:
    message = _outgoing(bcc=(Address("audit@acme.example"),))

    raw = _build(message)

    assert b"audit@acme.example" not in raw
    assert [a.address for a in message.recipients] == [
        "jane@customer.example",
        "audit@acme.example",
    ]


def test_html_only_gets_a_text_part_derived_from_it() -> None:
    raw = _build(_outgoing(text=None, html="<p>Hello <b>Jane</b></p><p>It ships.</p>"))

    parsed = mime.parse(raw)
    assert parsed.html is not None
    assert "<b>Jane</b>" in parsed.html
    assert "Hello Jane" in parsed.text
    assert "It ships." in parsed.text
    kinds = [p.get_content_type() for p in message_from_bytes(raw, policy=default).walk()]
    assert kinds == ["multipart/alternative", "text/plain", "text/html"]


def test_non_ascii_names_and_subjects_are_encoded_and_come_back() -> None:
    raw = _build(
        _outgoing(
            sender=Address("support@acme.example", "Équipe Müller"),
            subject="Ihre Bestellung — schon unterwegs ✈",
            text="Grüße aus Köln",
        )
    )

    assert all(byte < 128 for byte in raw.partition(b"\r\n\r\n")[0])
    parsed = mime.parse(raw)
    assert parsed.from_ is not None
    assert parsed.from_.name == "Équipe Müller"
    assert parsed.subject == "Ihre Bestellung — schon unterwegs ✈"
    assert parsed.text.strip() == "Grüße aus Köln"


def test_a_reply_carries_in_reply_to_and_the_whole_references_chain() -> None:
    chain = tuple(f"<m{n}@customer.example>" for n in range(30))

    parsed = mime.parse(_build(_outgoing(in_reply_to=chain[-1], references=chain)))

    assert parsed.in_reply_to == chain[-1]
    assert parsed.references == chain


def test_ids_longer_than_a_line_are_written_plainly_not_encoded() -> None:
    ses_id = (
        "<0100018c3f2d8e7a-5c1e2b7d-3a4f-4e6b-9c8d-1f2e3d4c5b6a-000000@us-east-1.amazonses.com>"
    )
    chain = (ses_id, "<m1@customer.example>", ses_id.replace("0100", "0200"))

    raw = _build(_outgoing(in_reply_to=ses_id, references=chain))

    assert f"In-Reply-To: {ses_id}\r\n".encode() in raw
    assert b"=?utf-8?" not in raw
    parsed = mime.parse(raw)
    assert (parsed.in_reply_to, parsed.references) == (ses_id, chain)


def test_attachments_and_inline_images_are_kept() -> None:
    pdf = OutgoingAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 invoice")
    logo = OutgoingAttachment("logo.png", "image/png", b"\x89PNG logo", content_id="logo@acme")

    raw = _build(_outgoing(html='<p>See <img src="cid:logo@acme"></p>', attachments=(pdf, logo)))

    parsed = mime.parse(raw)
    found = {a.filename: a for a in parsed.attachments}
    assert found["invoice.pdf"].content == b"%PDF-1.4 invoice"
    assert not found["invoice.pdf"].inline
    assert found["logo.png"].content_id == "logo@acme"
    assert found["logo.png"].inline
    kinds = [p.get_content_type() for p in message_from_bytes(raw, policy=default).walk()]
    assert kinds[:4] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
    ]


def test_custom_headers_and_one_click_unsubscribe() -> None:
    raw = _build(
        _outgoing(headers=(("X-Campaign", "winter"),)),
        list_unsubscribe="https://acme.example/u/123",
    )

    headers = message_from_bytes(raw, policy=default)
    assert headers["X-Campaign"] == "winter"
    assert headers["List-Unsubscribe"] == "<https://acme.example/u/123>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_addresses_are_validated_and_normalised() -> None:
    assert parse_address("Jane Doe <Jane@Customer.Example>", "to[0]") == Address(
        "Jane@customer.example", "Jane Doe"
    )
    assert parse_address("info@bücher.example", "to[0]").address == "info@xn--bcher-kva.example"
    assert parse_address('"Doe, Jane" <jane@x.example>', "to[0]").name == "Doe, Jane"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not-an-address", "not one e-mail address"),
        ("a@b.example, c@d.example", "not one e-mail address"),
        ("jane@", "not a valid e-mail address"),
        ("jane@localhost", "not a valid e-mail address"),
        ("jäne@customer.example", "not a valid e-mail address"),
        ("x" * 600 + "@customer.example", "longer than"),
        ("jane@customer.example\r\nBcc: victim@x.example", "line break"),
        ("Jane\u2028Bcc: victim@x.example <jane@customer.example>", "line break"),
        ("Jane\x00 <jane@customer.example>", "control character"),
        ("j" * 65 + "@customer.example", "before the @ is longer than 64 octets"),
        ("Jane <" + "j" * 65 + "@customer.example>", "before the @ is longer than 64 octets"),
        ("j@" + ".".join(["d" * 63] * 4) + ".example", "domain is longer than 255 octets"),
    ],
)
def test_bad_addresses_are_refused_naming_the_field(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as raised:
        parse_addresses(["ok@customer.example", value], "cc")

    assert raised.value.field == "cc[1]"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "Hi\r\nBcc: victim@x.example"}, "subject"),
        ({"sender": Address("support@acme.example", "Acme\nBcc: x@y.example")}, "from"),
        ({"reply_to": (Address("r@acme.example", "R\r\n"),)}, "reply_to"),
        ({"headers": (("X-Tag", "a\r\nBcc: victim@x.example"),)}, "headers.X-Tag"),
        ({"headers": (("Bad Name", "a"),)}, "headers.Bad Name"),
        ({"headers": (("Message-ID", "<mine@x>"),)}, "headers.Message-ID"),
        ({"headers": (("from", "x@y.example"),)}, "headers.from"),
        ({"subject": "Hi\u2028Bcc: victim@x.example"}, "subject"),
        ({"subject": "Hi\x85there"}, "subject"),
        ({"subject": "Hi\vthere"}, "subject"),
        ({"subject": "Hi\x00there"}, "subject"),
        ({"subject": "Hi\ud800there"}, "subject"),
        ({"sender": Address("support@acme.example", "Acme\x1cSupport")}, "from"),
        ({"reply_to": (Address("r@acme.example", "R\u2029"),)}, "reply_to"),
        ({"headers": (("X-Tag", "a\fb"),)}, "headers.X-Tag"),
        ({"headers": (("X-SES-CONFIGURATION-SET", "other"),)}, "headers.X-SES-CONFIGURATION-SET"),
        ({"headers": (("Return-Path", "<x@y.example>"),)}, "headers.Return-Path"),
        ({"headers": (("X-Tag", "a"), ("x-tag", "b"))}, "headers.x-tag"),
        (
            {"attachments": (OutgoingAttachment("a\x1e.pdf", "application/pdf", b"x"),)},
            "attachments[0].filename",
        ),
        (
            {
                "attachments": (
                    OutgoingAttachment("a.png", "image/png", b"x", content_id="l\u2028@acme"),
                )
            },
            "attachments[0].content_id",
        ),
        (
            {"attachments": (OutgoingAttachment("a\r\n.pdf", "application/pdf", b"x"),)},
            "attachments[0].filename",
        ),
        (
            {"attachments": (OutgoingAttachment("a.pdf", "pdf", b"x"),)},
            "attachments[0].content_type",
        ),
        ({"text": None, "html": None}, "text"),
        ({"to": ()}, "to"),
        ({"to": tuple(Address(f"p{n}@x.example") for n in range(MAX_RECIPIENTS + 1))}, "to"),
    ],
)
def test_what_cannot_be_sent_is_refused_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        check_outgoing(_outgoing(**fields))

    assert raised.value.field == field


def test_fifty_recipients_across_to_cc_and_bcc_are_allowed() -> None:
    people = [Address(f"p{n}@x.example") for n in range(MAX_RECIPIENTS)]

    message = check_outgoing(
        _outgoing(to=tuple(people[:20]), cc=tuple(people[20:40]), bcc=tuple(people[40:]))
    )

    assert len(message.recipients) == MAX_RECIPIENTS


def _long_address(octets: int) -> str:
    """An address of `octets` octets with a local part of 64: labels of at most 63."""
    domain = "x.example"
    while len(domain) + MAX_LOCAL_PART_OCTETS + 1 < octets:
        room = octets - (len(domain) + MAX_LOCAL_PART_OCTETS + 1)
        domain = "d" * min(63, room - 1) + "." + domain if room > 1 else "d" + domain
    address = "j" * MAX_LOCAL_PART_OCTETS + "@" + domain
    assert len(address) == octets
    return address


def test_rfc_5321_lengths_are_allowed_up_to_the_limit() -> None:
    local = parse_address("j" * MAX_LOCAL_PART_OCTETS + "@customer.example", "to[0]")
    whole = parse_address(_long_address(MAX_ADDRESS_OCTETS), "to[0]")

    assert len(local.address.partition("@")[0]) == 64
    assert len(whole.address) == 254  # the path, with its angle brackets, is 256


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("j" * (MAX_LOCAL_PART_OCTETS + 1) + "@customer.example", "longer than 64 octets"),
        (_long_address(MAX_ADDRESS_OCTETS + 1), "address is longer than 254 octets"),
    ],
)
def test_rfc_5321_lengths_are_refused_one_past_the_limit(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as raised:
        parse_address(value, "bcc[0]")

    assert raised.value.field == "bcc[0]"


@pytest.mark.parametrize(
    "value",
    [
        "mailto:" + "u" * 65 + "@acme.example",
        "https://acme.example/u\u2028x",
        "https://acme.example/u\x85",
    ],
)
def test_a_list_unsubscribe_with_a_long_address_or_a_line_break_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        check_list_unsubscribe(value)

    assert raised.value.field == "list_unsubscribe"


def _accepted_near_the_edges() -> str:
    """Every character the header check accepts within a few code points of what it
    refuses (C0, DEL and C1, U+2028/2029, the surrogates) and at the ends of Unicode."""
    windows = (
        range(0x00, 0xA2),
        range(0x2026, 0x202B),
        range(0xD7FD, 0xE003),
        range(0xFFFC, 0x10001),
        range(0x10FFFD, 0x110000),
    )
    accepted = ""
    for code in (c for window in windows for c in window):
        try:
            accepted += check_header_text(chr(code), "subject")
        except ValidationError:
            continue
    return f"a{accepted}z"


def test_the_composer_takes_every_character_the_header_check_accepts() -> None:
    text = _accepted_near_the_edges()
    assert "\t" in text
    assert "\u202a" in text

    raw = _build(
        _outgoing(
            sender=Address("support@acme.example", text),
            to=(Address("jane@customer.example", text),),
            reply_to=(Address("desk@acme.example", text),),
            subject=text,
            html="<p>Logo</p>",
            headers=(("X-Tag", text), ("Keywords", text)),
            attachments=(
                OutgoingAttachment(text, "application/pdf", b"%PDF"),
                OutgoingAttachment(text, "image/png", b"PNG", content_id=text),
            ),
        ),
        list_unsubscribe="https://acme.example/u",
    )

    parsed = mime.parse(raw)
    headers = message_from_bytes(raw, policy=default)
    assert (parsed.subject, headers["X-Tag"], headers["Keywords"]) == (text, text, text)
    assert parsed.from_ is not None
    assert parsed.from_.name is not None
    assert parsed.from_.name.split() == text.split()
    named = download_name(text).split()  # a file goes out under its last path segment
    assert [a.filename.split() for a in parsed.attachments if a.filename] == [named] * 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "Hi\u2028there"}, "subject"),
        ({"headers": (("X-Tag", "a\x1cb"),)}, "headers.X-Tag"),
        ({"to": (Address("jane@customer.example", "Jane\ud800"),)}, "to"),
    ],
)
def test_what_email_refuses_to_compose_fails_for_good_naming_only_the_field(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(CompositionFailed) as raised:
        compose(_outgoing(**fields), message_id="<out-1@acme.example>", date=SENT)

    assert raised.value.message.startswith(f"the message could not be composed: {field} ")
    assert not raised.value.transient
    assert "Hi" not in raised.value.message
    assert "Jane" not in raised.value.message


@pytest.mark.parametrize(
    ("filename", "written", "read_back"),
    [
        ("résumé.pdf", b"filename*=utf-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
        ('say "hi".txt', b'filename="say \\"hi\\".txt"', 'say "hi".txt'),
        ("../../../etc/passwd", b'filename="passwd"', "passwd"),
        ("C:\\Users\\me\\report.pdf", b'filename="report.pdf"', "report.pdf"),
        ("evil\u202etxt.exe", b'filename="eviltxt.exe"', "eviltxt.exe"),
        ("\u2067.bashrc\u2069", b'filename="bashrc"', "bashrc"),
        ("/", b'filename="attachment"', "attachment"),
    ],
)
def test_an_outgoing_file_is_named_by_its_last_segment_without_bidi_controls(
    filename: str, written: bytes, read_back: str
) -> None:
    attachment = OutgoingAttachment(filename, "application/pdf", b"%PDF-1.4")
    logo = OutgoingAttachment(filename, "image/png", b"\x89PNG", content_id="logo@acme")
    message = _outgoing(html='<img src="cid:logo@acme">', attachments=(attachment, logo))

    raw = compose(message, message_id="<out-1@acme.example>", date=SENT)

    assert raw.count(written) == 2
    assert all(byte < 128 for byte in raw)
    stdlib = message_from_bytes(raw, policy=default)
    assert [p.get_filename() for p in stdlib.walk() if p.get_filename()] == [read_back] * 2
    assert [a.filename for a in mime.parse(raw).attachments] == [read_back] * 2


def test_a_display_name_s_encoded_words_are_decoded_leniently_and_written_again_when_sent() -> None:
    recipient = parse_address("=?utf-8?q?J=C3=B6rg?= <j@customer.example>", "to[0]")
    unknown_charset = parse_address("=?x-unknown?q?abc?= <k@customer.example>", "to[1]")
    with_nul = parse_address("=?utf-8?q?A=00B?= <n@customer.example>", "to[2]")
    split_character = parse_address("=?utf-8?b?w?= =?utf-8?b?tg==?= <s@customer.example>", "to[3]")

    raw = _build(_outgoing(to=(recipient,)))

    assert recipient.name == "Jörg"
    assert unknown_charset.name == "abc"
    assert with_nul.name == "AB"
    assert split_character.name == "\N{PILCROW SIGN}"
    assert mime.parse(raw).to == (("Jörg", "j@customer.example"),)
