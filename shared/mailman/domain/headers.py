"""What may go into a header of outgoing mail: the text, and which custom headers.

Text that becomes header text (a subject, a custom header's value, a display name, an
attachment's filename or content id, a List-Unsubscribe URI) may hold no character that
ends a line, no control character but tab, and no lone surrogate. The line ends are every
character `str.splitlines()` breaks at, because that is what the stdlib `email` package
refuses in a header value when the message is built: a message that passed here is one the
composer can write.

Custom headers are an allow-list: `X-` headers (not `X-SES-*`, which instruct SES, nor the
trace headers receiving servers write) and a few harmless standard ones. Everything Mailman
writes itself is set through its own field, and trace and authentication headers are only
ever written by the servers the mail passes through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailman.domain.errors import ValidationError

LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
"""Every character `str.splitlines()` ends a line at."""

_REFUSED = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Line breaks, C0 and C1 control characters but tab, DEL, and surrogates."""

_FIELD_NAME = re.compile(r"[!-9;-~]{1,76}")  # printable ASCII but ':', as RFC 5322 says

MAX_HEADER_VALUE_LENGTH = 2000
"""A custom header's value, in characters (folded over lines as it is written)."""
MAX_HEADERS_LENGTH = 16_384
"""All custom headers together, names and values, in characters: the composer's work on a
header grows faster than its length, so a message's headers stay small enough to write."""

MAILMAN_HEADERS = frozenset(
    {
        "bcc",
        "cc",
        "content-disposition",
        "content-id",
        "content-transfer-encoding",
        "content-type",
        "date",
        "from",
        "in-reply-to",
        "message-id",
        "mime-version",
        "references",
        "reply-to",
        "sender",
        "subject",
        "to",
    }
)
"""Headers Mailman writes from the message's own fields."""

_OWN_FIELDS = {"list-unsubscribe": "list_unsubscribe", "list-unsubscribe-post": "list_unsubscribe"}
"""Headers Mailman writes from a field of their own, which the refusal names."""

TRACE_HEADERS = frozenset(
    {
        "arc-authentication-results",
        "arc-message-signature",
        "arc-seal",
        "authentication-results",
        "delivered-to",
        "dkim-signature",
        "domainkey-signature",
        "envelope-to",
        "feedback-id",
        "received",
        "received-spf",
        "return-path",
        "x-envelope-from",
        "x-envelope-to",
        "x-original-to",
    }
)
"""Trace, authentication and delivery headers: written by the servers a message passes
through (SES signs with DKIM and sets Return-Path and Feedback-ID), never by a sender."""

TRACE_PREFIXES = ("resent-", "arc-", "x-spam-", "x-virus-")
"""`Resent-*` trace a re-sending, `ARC-*` seal a chain of authentication results, and
`X-Spam-*` and `X-Virus-*` are receiving filters' verdicts."""

SES_PREFIX = "x-ses-"
"""`X-SES-*` headers instruct SES: `X-SES-CONFIGURATION-SET` would route the mail around
Mailman's configuration set, and so around delivery tracking and the suppression list."""

STANDARD_HEADERS = frozenset(
    {
        "auto-submitted",
        "comments",
        "importance",
        "keywords",
        "list-archive",
        "list-help",
        "list-id",
        "list-owner",
        "list-post",
        "list-subscribe",
        "organization",
        "precedence",
        "priority",
        "sensitivity",
    }
)
"""Standard headers a sender may set: they describe the message and steer nothing."""


def check_header_text(value: str, field_name: str) -> str:
    """Answer `value` if it may go into a header; else raise naming `field_name`."""
    found = _REFUSED.search(value)
    if found is None:
        return value
    char = found.group()
    if char in LINE_BREAKS:
        what = "a line break"
    elif "\ud800" <= char <= "\udfff":
        what = "a lone surrogate (text that is not valid Unicode)"
    else:
        what = "a control character (only tab is allowed)"
    raise ValidationError(f"must not contain U+{ord(char):04X}, {what}", field=field_name)


def check_headers(headers: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Custom headers: `X-` headers and `STANDARD_HEADERS`, each name once (names ignore
    case), none that Mailman, SES or the servers on the way write; values as header text."""
    seen: set[str] = set()
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADERS_LENGTH:
        raise ValidationError(
            f"custom headers may hold {MAX_HEADERS_LENGTH:,} characters in all", field="headers"
        )
    for name, value in headers:
        where = f"headers.{name}"
        if len(value) > MAX_HEADER_VALUE_LENGTH:
            raise ValidationError(
                f"is longer than {MAX_HEADER_VALUE_LENGTH} characters", field=where
            )
        if not _FIELD_NAME.fullmatch(name):
            raise ValidationError(
                "is not a valid header name (printable ASCII without ':', at most 76)",
                field=where,
            )
        key = name.lower()
        if key in seen:
            raise ValidationError(
                "is given twice (header names are compared ignoring case)", field=where
            )
        seen.add(key)
        _check_allowed(key, where)
        check_header_text(value, where)
    return tuple(headers)


def _check_allowed(key: str, where: str) -> None:
    if key in MAILMAN_HEADERS:
        raise ValidationError(
            "is written by Mailman from the message's own fields and cannot be set", field=where
        )
    if key in _OWN_FIELDS:
        raise ValidationError(
            f"is written by Mailman: use the {_OWN_FIELDS[key]} field", field=where
        )
    if key.startswith(SES_PREFIX):
        raise ValidationError(
            "X-SES-* headers instruct Amazon SES and cannot be set (they could route mail "
            "around delivery tracking and the suppression list)",
            field=where,
        )
    if key in TRACE_HEADERS or key.startswith(TRACE_PREFIXES):
        raise ValidationError(
            "is a trace or authentication header, written only by the servers a message "
            "passes through",
            field=where,
        )
    if not key.startswith("x-") and key not in STANDARD_HEADERS:
        raise ValidationError(
            "is not a header a message may set: use an X- header, or one of "
            + ", ".join(_title(h) for h in sorted(STANDARD_HEADERS)),
            field=where,
        )


def _title(key: str) -> str:
    return "-".join(part.capitalize() for part in key.split("-"))
