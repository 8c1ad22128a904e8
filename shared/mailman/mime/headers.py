"""Headers: the top-level fields of inbound mail decoded into an `Envelope`.

RFC 2047 encoded-words, unfolding, 8-bit bytes, address lists (read by the domain's
`parse_address_list`, display names decoded here), Message-IDs and the date. Linear
code on fields the pre-scan has already bounded, so a parsed and a quarantined message
get their headers the same way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from mailman.domain.addresses import Mailbox, parse_address_list
from mailman.domain.charsets import decode_text, strip_unsafe
from mailman.domain.encoded_words import decode_display_name, decode_words
from mailman.domain.message_ids import parse_ids
from mailman.mime.prescan import Scan

GENERATED_ID_DOMAIN = "mailman.generated"

_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_STRAY_BREAK = re.compile(r"[\r\n]+")


def decode_header_bytes(value: bytes) -> str:
    """A raw header value as text: unfolded, 8-bit bytes read as UTF-8 or windows-1252."""
    if value.isascii() and b"\n" not in value and b"\r" not in value and b"\x00" not in value:
        return value.decode("ascii").strip()  # the common case, with nothing to undo
    text, _ = decode_text(_FOLD.sub(b"", value), None)
    return strip_unsafe(_STRAY_BREAK.sub(" ", text)).strip()


def _mailboxes(value: str) -> list[Mailbox]:
    """The mailboxes of an address-list header, their display names' encoded-words decoded."""
    return [
        Mailbox(decode_display_name(box.name), box.address)
        if box.name and "=?" in box.name
        else box
        for box in parse_address_list(value)
    ]


def parse_date(value: str) -> datetime | None:
    """The Date header as an aware datetime (UTC when the zone is missing), or None."""
    try:
        parsed = parsedate_to_datetime(value[:200])
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_SINGLETONS = (b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"in-reply-to")


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the top-level header fields say, decoded; shared by parsed and quarantined mail."""

    message_id: str
    message_id_generated: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_: Mailbox | None
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...]
    reply_to: tuple[Mailbox, ...]
    date: datetime | None
    headers: tuple[tuple[str, str], ...]
    defects: tuple[str, ...]


def read_envelope(raw: bytes, checked: Scan) -> Envelope:
    """The decoded top-level fields the pre-scan read, with what is missing or wrong in them."""
    first: dict[bytes, bytes] = {}
    decoded: dict[bytes, str] = {}  # each name's first value, as text
    headers: list[tuple[str, str]] = []
    defects: list[str] = []
    for name, value in checked.fields:
        key = name.lower()
        text_value = decode_header_bytes(value)
        headers.append((name.decode("ascii"), text_value))
        if key in first:
            if key in _SINGLETONS:
                defects.append(f"duplicate_header: {name.decode('ascii')}")
            continue
        first[key] = value
        decoded[key] = text_value

    def text(key: bytes) -> str:
        return decoded.get(key, "")

    ids = parse_ids(text(b"message-id"))
    if not ids:
        defects.append("missing_message_id" if b"message-id" not in first else "bad_message_id")
    date = parse_date(text(b"date")) if b"date" in first else None
    if b"date" not in first:
        defects.append("missing_date")
    elif date is None:
        defects.append("unparseable_date")
    senders = _mailboxes(text(b"from"))
    if not senders:
        defects.append("missing_from" if b"from" not in first else "unparseable_from")
    return Envelope(
        message_id=ids[0] if ids else _generated_id(raw, checked, first),
        message_id_generated=not ids,
        in_reply_to=next(iter(parse_ids(text(b"in-reply-to"))), None),
        references=parse_ids(text(b"references")),
        subject=decode_words(text(b"subject")).strip(),
        from_=senders[0] if senders else None,
        to=tuple(_mailboxes(text(b"to"))),
        cc=tuple(_mailboxes(text(b"cc"))),
        reply_to=tuple(_mailboxes(text(b"reply-to"))),
        date=date,
        headers=tuple(headers),
        defects=tuple(defects),
    )


def _generated_id(raw: bytes, checked: Scan, first: dict[bytes, bytes]) -> str:
    """A stable id for mail without one: same sender, recipients, date, subject, body, same id.

    Relays add Received headers, so the whole raw message would not be stable; the
    fields that make the message what it is, and its body, are.
    """
    digest = hashlib.sha256()
    for key in (b"from", b"to", b"cc", b"date", b"subject"):
        digest.update(first.get(key, b"").strip())
        digest.update(b"\0")
    digest.update(raw[checked.body_start :] if checked.fields else raw)
    return f"<{digest.hexdigest()[:32]}@{GENERATED_ID_DOMAIN}>"
