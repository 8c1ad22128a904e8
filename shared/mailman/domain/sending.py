"""Rules of sending that need no store: limits, reply and forward subjects, recipients and
reference chains, the quoted original of a forward.

The limits follow what carries the request and the mail. A send request reaches the API
function through API Gateway and Lambda, whose synchronous invocation takes at most 6 MB
(6,291,456 bytes) of event; base64 makes a file a third larger, so attachments given
inline in the request may hold `MAX_INLINE_ATTACHMENT_BYTES` in all. Larger files are
uploaded first (`POST /attachments`, a presigned S3 PUT) and referenced by id, up to SES's
40 MB limit on the whole message as sent, encoding included.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from mailman.domain.errors import ValidationError

MAX_SEND_REQUEST_BYTES = 6_000_000
"""The largest body a send endpoint accepts: Lambda's 6 MB less the rest of the event."""
MAX_INLINE_ATTACHMENT_BYTES = 4 * 2**20
"""Attachments given as base64 in the request, decoded, in all (5.6 MB once encoded)."""
MAX_MESSAGE_BYTES = 40 * 2**20
"""SES v2's limit on a raw message, as sent (attachments base64-encoded)."""
MAX_SCHEDULE_AHEAD = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=2)
"""How far in the past a `send_at` may be and still mean "now": a caller's clock a little
behind ours. Further past is refused rather than sent at once."""
MAX_REFERENCES = 40
"""Ids kept in a reply's References: the first (the conversation's root) and the newest."""
IDEMPOTENCY_WINDOW = timedelta(hours=24)
UPLOAD_LIFETIME = timedelta(hours=24)
"""How long an upload may wait to be sent before its id stops being accepted."""

# What one message may carry: the request bodies state these, the outgoing message's checks
# (`outbound`) hold them.
MAX_RECIPIENTS = 50
"""To, Cc and Bcc together, as SES allows per message."""

MAX_UNSUBSCRIBE_LENGTH = 2000
MAX_SUBJECT_LENGTH = 998
"""RFC 5322's limit on a line, which a subject is written on (folded, it could be longer)."""
MAX_REPLY_TO = 10
MAX_ATTACHMENTS = 100
MAX_LABELS = 20
MAX_LABEL_LENGTH = 100
MAX_CUSTOM_HEADERS = 50
MAX_CONTENT_TYPE_LENGTH = 255
MAX_CONTENT_ID_LENGTH = 255
MAX_FILENAME_LENGTH = 255
"""A file's name as given, in characters (it is data: the download name is cut to bytes)."""
MAX_ADDRESS_LENGTH = 512
"""An address with its display name; the addr-spec itself may have at most 254."""


def encoded_size(raw_bytes: int) -> int:
    """What `raw_bytes` of attachment weigh in the message: base64 in 76-character lines."""
    encoded = 4 * math.ceil(raw_bytes / 3)
    return encoded + 2 * math.ceil(encoded / 76)


def _prefixed(subject: str, prefix: str, already: bool) -> str:
    subject = subject.strip()
    return subject if already else f"{prefix} {subject}".rstrip()


def reply_subject(subject: str | None) -> str:
    """`Re: subject`, unless the subject carries a reply prefix already (in any language)."""
    # The subject rules compile their prefixes in every language when imported: only a
    # reply pays for them, not every request that checks a sending limit.
    from mailman.domain.subjects import has_reply_prefix

    text = subject or ""
    return _prefixed(text, "Re:", has_reply_prefix(text) and not _is_forward(text))


def _is_forward(subject: str) -> bool:
    return subject.lstrip().lower().startswith(("fwd:", "fw:"))


def forward_subject(subject: str | None) -> str:
    text = subject or ""
    return _prefixed(text, "Fwd:", _is_forward(text))


def reference_chain(references: Sequence[str], parent_id: str) -> tuple[str, ...]:
    """A reply's References: the parent's chain and the parent's own id, the root kept when
    the chain is cut to `MAX_REFERENCES`."""
    chain = list(dict.fromkeys((*references, parent_id)))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return tuple(chain)


def without(addresses: Iterable[str], *excluded: Iterable[str]) -> list[str]:
    """`addresses` in order, each once (ignoring case), none of `excluded`."""
    seen = {a.lower() for group in excluded for a in group}
    kept = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            kept.append(address)
    return kept


def check_send_at(send_at: datetime | None, now: datetime) -> datetime | None:
    """A scheduled time is kept only when it is in the future, and at most 30 days ahead;
    one up to `CLOCK_SKEW` past means now (None); one further past is refused, since sending
    at once what was meant for a time gone by is rarely what the caller wanted."""
    if send_at is None:
        return None
    if send_at.utcoffset() is None:
        raise ValidationError(
            "needs a time zone (for example 2026-12-01T09:00:00Z)", field="send_at"
        )
    if send_at > now + MAX_SCHEDULE_AHEAD:
        raise ValidationError("may be at most 30 days ahead", field="send_at")
    if send_at < now - CLOCK_SKEW:
        raise ValidationError("is in the past: leave it out (or null) to send now", field="send_at")
    return send_at if send_at > now else None


@dataclass(frozen=True)
class Forwarded:
    """The original of a forward, quoted below the forward's own text as mail clients do."""

    sender: str
    date: datetime | None
    subject: str | None
    to: Sequence[str]

    def _header(self) -> list[str]:
        return [
            f"From: {self.sender}",
            *([f"Date: {self.date:%a, %d %b %Y %H:%M %z}"] if self.date else []),
            f"Subject: {self.subject or ''}",
            f"To: {', '.join(self.to)}",
        ]

    def text(self, body: str) -> str:
        return "\n".join(["---------- Forwarded message ---------", *self._header(), "", body])

    def html(self, body: str) -> str:
        header = "<br>".join(escape(line) for line in self._header())
        return (
            '<div class="forwarded">---------- Forwarded message ---------<br>'
            f"{header}<br><br><blockquote>{body}</blockquote></div>"
        )
