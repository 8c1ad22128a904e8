"""Rules for the names customers choose: domain names, inbox local parts, addresses.

Validation leans on `idna` (UTS #46 / IDNA 2008) and `email-validator`, the maintained
libraries that pydantic itself uses for e-mail addresses; neither does any I/O. Every
address made or accepted keeps to RFC 5321's lengths (section 4.5.3.1), counted in octets
as sent: email-validator checks the local part's only in its strict mode, and a domain and
whole address against tighter DNS-derived limits, so Mailman checks all three itself.
"""

from __future__ import annotations

import functools
import re

import idna
from publicsuffixlist import PublicSuffixList

from mailman.domain.errors import ValidationError
from mailman.domain.headers import check_header_text

MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_LOCAL_PART_OCTETS = 64
"""RFC 5321 4.5.3.1.1."""
MAX_ADDRESS_DOMAIN_OCTETS = 255
"""RFC 5321 4.5.3.1.2; a domain Mailman registers has at most `MAX_DOMAIN_LENGTH`."""
MAX_PATH_OCTETS = 256
"""RFC 5321 4.5.3.1.3: a path is the address in angle brackets."""
MAX_ADDRESS_OCTETS = MAX_PATH_OCTETS - 2

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Inbox local parts: a lower-case dot-atom without "+", which is reserved for sub-addressing
# ("support+tag@" reaches "support").
_LOCAL_PART = re.compile(r"^[a-z0-9!#$%&'*/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*/=?^_`{|}~-]+)*$")


def normalize_domain_name(value: str, *, field: str = "name") -> str:
    """Answer the ASCII (punycode) lower-case form of a domain name, or raise ValidationError."""
    candidate = value.strip().rstrip(".").lower()
    if not candidate:
        raise ValidationError("domain name is empty", field=field)
    try:
        ascii_name = idna.encode(candidate, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        raise ValidationError(f"not a valid domain name: {exc}", field=field) from exc
    if len(ascii_name) > MAX_DOMAIN_LENGTH:
        raise ValidationError("domain name is longer than 253 characters", field=field)
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise ValidationError("domain name needs at least two labels", field=field)
    for label in labels:
        if not _LABEL.match(label):
            raise ValidationError(f"domain name label {label!r} is not valid", field=field)
    if labels[-1].isdigit():
        raise ValidationError("domain name cannot end in a numeric label", field=field)
    if _public_suffixes().is_public(ascii_name):
        raise ValidationError(
            f"{ascii_name} is a public suffix (like co.uk): register a domain under it",
            field=field,
        )
    return ascii_name


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    """The Public Suffix List bundled with the package (no network), parsed once."""
    return PublicSuffixList()


def unicode_domain_name(ascii_name: str) -> str:
    """Answer the display (Unicode) form of a normalised domain name."""
    return idna.decode(ascii_name)


def normalize_local_part(value: str, *, field: str = "local_part") -> str:
    """Answer the lower-case form of an inbox local part, or raise ValidationError."""
    candidate = value.strip().lower()
    if not candidate:
        raise ValidationError("local part is empty", field=field)
    if len(candidate.encode()) > MAX_LOCAL_PART_OCTETS:
        raise ValidationError(
            f"local part is longer than {MAX_LOCAL_PART_OCTETS} octets (RFC 5321)", field=field
        )
    if "+" in candidate:
        raise ValidationError(
            "local part cannot contain '+' (reserved for sub-addressing)", field=field
        )
    if not _LOCAL_PART.match(candidate):
        raise ValidationError(
            "local part may hold letters, digits and !#$%&'*/=?^_`{|}~- separated by single dots",
            field=field,
        )
    return candidate


def check_address_length(address: str, *, field: str) -> str:
    """Answer `address` (`local@domain`, as it is sent) if it keeps to RFC 5321's lengths."""
    local, _, domain = address.rpartition("@")
    if len(local.encode()) > MAX_LOCAL_PART_OCTETS:
        raise ValidationError(
            f"the part before the @ is longer than {MAX_LOCAL_PART_OCTETS} octets (RFC 5321)",
            field=field,
        )
    if len(domain.encode()) > MAX_ADDRESS_DOMAIN_OCTETS:
        raise ValidationError(
            f"the domain is longer than {MAX_ADDRESS_DOMAIN_OCTETS} octets (RFC 5321)",
            field=field,
        )
    if len(address.encode()) > MAX_ADDRESS_OCTETS:
        raise ValidationError(
            f"the address is longer than {MAX_ADDRESS_OCTETS} octets (RFC 5321)", field=field
        )
    return address


def normalize_address(value: str, *, field: str) -> str:
    """Answer a syntactically valid e-mail address (domain part normalised), or raise."""
    # Imported here: most modules that use these rules never check a whole address (the
    # inbound function routes by inbox and domain names alone), and the library's import
    # costs a cold start about 20 ms.
    from email_validator import EmailNotValidError, validate_email

    candidate = check_address_length(check_header_text(value.strip(), field), field=field)
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"not a valid e-mail address: {exc}", field=field) from exc
    return check_address_length(f"{checked.local_part}@{checked.ascii_domain}", field=field)


MAX_DISPLAY_NAME_LENGTH = 200


def check_display_name(value: str | None, *, field: str) -> str | None:
    """Answer a display name fit for a header (trimmed, header text), or raise."""
    if value is None:
        return None
    trimmed = value.strip()
    if not trimmed:
        return None
    if len(trimmed) > MAX_DISPLAY_NAME_LENGTH:
        raise ValidationError(
            f"display name is longer than {MAX_DISPLAY_NAME_LENGTH} characters", field=field
        )
    return check_header_text(trimmed, field)
