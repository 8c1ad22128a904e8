"""What an outgoing message is, and the rules it must pass before anything is stored or sent.

Every check names the field at fault. Addresses are validated by `email-validator` (syntax
only: deliverability is SES's business) and kept in their ASCII form, since SES does not
take internationalised local parts; a domain written in Unicode is sent as punycode, and
every address keeps to RFC 5321's lengths. Every field that becomes header text passes
`check_header_text` (no line break of any kind, no control character): that is how header
injection works, and what the composer would refuse. Custom headers pass `check_headers`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from mailman.domain.addresses import parse_address_list
from mailman.domain.encoded_words import decode_display_name
from mailman.domain.errors import ValidationError
from mailman.domain.headers import check_header_text, check_headers
from mailman.domain.names import check_address_length
from mailman.domain.sending import MAX_ADDRESS_LENGTH, MAX_RECIPIENTS, MAX_UNSUBSCRIBE_LENGTH

_MEDIA_NAME = r"[A-Za-z0-9!#$&^_.+-]{1,127}"
_CONTENT_TYPE = re.compile(f"{_MEDIA_NAME}/{_MEDIA_NAME}")


@dataclass(frozen=True)
class Address:
    address: str
    """ASCII addr-spec, domain lower-cased (punycode for an IDN)."""
    name: str | None = None

    def __str__(self) -> str:
        return self.address


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None
    """Set for an inline part the HTML shows through `cid:`."""


@dataclass(frozen=True)
class Outgoing:
    """A message as the sender asked for it, its addresses validated."""

    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str = ""
    text: str | None = None
    html: str | None = None
    reply_to: tuple[Address, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[OutgoingAttachment, ...] = field(default=())

    @property
    def recipients(self) -> tuple[Address, ...]:
        """Everyone the message goes to, Bcc included, each address once."""
        seen: dict[str, Address] = {}
        for address in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(address.address, address)
        return tuple(seen.values())


def parse_address(value: str, field_name: str) -> Address:
    """`a@example.com` or `Name <a@example.com>`, validated; the error names `field_name`."""
    check_header_text(value, field_name)
    if len(value) > MAX_ADDRESS_LENGTH:
        raise ValidationError(f"is longer than {MAX_ADDRESS_LENGTH} characters", field=field_name)
    found = parse_address_list(value)
    if len(found) != 1:
        raise ValidationError("is not one e-mail address", field=field_name)
    name, spec = found[0]
    check_address_length(spec, field=field_name)
    if name and "=?" in name:
        name = decode_display_name(name)
    try:
        valid = validate_email(spec, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"is not a valid e-mail address: {exc}", field=field_name) from exc
    local, _, domain = (valid.ascii_email or valid.normalized).rpartition("@")
    return Address(check_address_length(f"{local}@{domain.lower()}", field=field_name), name)


def parse_addresses(values: Sequence[str], field_name: str) -> tuple[Address, ...]:
    return tuple(parse_address(v, f"{field_name}[{i}]") for i, v in enumerate(values))


def check_content_type(value: str, field_name: str) -> str:
    if not _CONTENT_TYPE.fullmatch(value):
        raise ValidationError("is not a media type like application/pdf", field=field_name)
    return value


def check_list_unsubscribe(value: str, field_name: str = "list_unsubscribe") -> str:
    """An https URL (RFC 8058's one-click unsubscribe) or a mailto: URI with a valid address."""
    check_header_text(value, field_name)
    if len(value) > MAX_UNSUBSCRIBE_LENGTH or any(c in value for c in " <>\t"):
        raise ValidationError(
            f"must be one URI of at most {MAX_UNSUBSCRIBE_LENGTH} characters, without spaces "
            "or angle brackets",
            field=field_name,
        )
    scheme, _, rest = value.partition(":")
    if scheme.lower() == "mailto":
        parse_address(rest.partition("?")[0], field_name)
        return value
    parts = urlsplit(value)
    if scheme.lower() != "https" or not parts.hostname:
        raise ValidationError(
            "must be an https:// URL (one-click unsubscribe) or a mailto: address",
            field=field_name,
        )
    return value


def check_outgoing(message: Outgoing, *, complete: bool = True) -> Outgoing:
    """Refuse what cannot be sent: no recipient, too many, an empty message, header text that
    is not (line breaks, control characters), custom headers a message may not set.
    A draft (`complete` False) may still lack its recipients and its content."""
    if complete and not message.to and not message.cc and not message.bcc:
        raise ValidationError("at least one recipient is needed", field="to")
    if len(message.to) + len(message.cc) + len(message.bcc) > MAX_RECIPIENTS:
        raise ValidationError(
            f"at most {MAX_RECIPIENTS} recipients (to, cc and bcc together)", field="to"
        )
    if complete and not (message.text or message.html or message.attachments):
        raise ValidationError("the message needs text, HTML or an attachment", field="text")
    check_header_text(message.subject, "subject")
    for position, address in enumerate((message.sender, *message.reply_to)):
        if address.name is not None:
            check_header_text(address.name, "from" if position == 0 else "reply_to")
    for position, attachment in enumerate(message.attachments):
        check_header_text(attachment.filename, f"attachments[{position}].filename")
        check_content_type(attachment.content_type, f"attachments[{position}].content_type")
        if attachment.content_id is not None:
            check_header_text(attachment.content_id, f"attachments[{position}].content_id")
    check_headers(message.headers)
    return message
