"""What parsing takes and answers: the limits, the parsed mail and why mail is quarantined.

`Limits` bound one inbound message (docs/mime.md says how each is enforced);
`ParsedMail` is the answer for any bytes, parsed or quarantined with a
`QuarantineReason`. Its `ReplyText` is derived when first read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mailman.domain.addresses import Mailbox
from mailman.mime.previews import preview
from mailman.mime.quotes import extract_reply_text

PREVIEW_CHARS = 200


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits on one inbound message; over any of them it is quarantined, not parsed.

    Sizes are in bytes of the raw message as received. The defaults are meant to be
    generous for real mail (whose header blocks run to a few tens of KB, a long
    `References` to a few KB, and nesting to a dozen levels or so) and tight for
    crafted mail; the time and memory budgets are those issue 5 sets for every
    message (2 s, 256 MB).
    """

    #: Whole message. SES receipt rules accept at most 40 MB (including attachments).
    max_message_bytes: int = 40 * 1024 * 1024
    #: One header block (the message's or a part's), up to its blank line.
    max_header_block_bytes: int = 256 * 1024
    #: Header fields in one header block.
    max_header_count: int = 1_000
    #: One header field, name and folded value included.
    max_header_bytes: int = 64 * 1024
    #: Nesting of multipart and message/rfc822 containers (the top level is 0).
    max_mime_depth: int = 50
    #: MIME entities in the whole message, containers and the message itself included.
    max_parts: int = 1_000
    #: Wall-clock seconds one message may take to parse, pre-check included.
    time_budget_seconds: float = 2.0
    #: Address space of the isolated parser process (RLIMIT_AS), for large messages.
    memory_budget_bytes: int = 256 * 1024 * 1024
    #: Messages larger than this are parsed in a child process under the memory budget
    #: and killed at the time budget; smaller ones in-process (see `mailman.mime.worker`).
    #: 0 isolates every message.
    isolate_above_bytes: int = 1024 * 1024


DEFAULT_LIMITS = Limits()


class QuarantineReason(StrEnum):
    """Why a message was quarantined instead of parsed; the detail is in `defects`."""

    MESSAGE_TOO_LARGE = "message_too_large"
    HEADER_BLOCK_TOO_LARGE = "header_block_too_large"
    TOO_MANY_HEADERS = "too_many_headers"
    HEADER_TOO_LONG = "header_too_long"
    MIME_TOO_DEEP = "mime_too_deep"
    TOO_MANY_PARTS = "too_many_parts"
    TIME_BUDGET_EXCEEDED = "time_budget_exceeded"
    MEMORY_BUDGET_EXCEEDED = "memory_budget_exceeded"
    PARSER_FAILED = "parser_failed"


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    """A non-body part: a file, an inline image (Content-ID), a forwarded message."""

    filename: str | None  # as the sender named it; None when unnamed (never invented)
    content_type: str  # "type/subtype", lower case
    size: int  # decoded bytes
    sha256: str  # hex digest of the decoded bytes
    content_id: str | None  # without angle brackets, as cid: URLs reference it
    inline: bool  # Content-Disposition inline, or no disposition and a Content-ID
    content: bytes = field(repr=False)


class ReplyText:
    """The new part of a message's text (quoted history and signature removed) and its
    preview, derived when first read rather than by `parse`.

    Receiving stores a batch's messages one after another in one pipelined transaction and
    reads each message's reply text while the database stores the message before it, so
    this work (a quarter of parsing everyday mail) overlaps the database's. It needs no
    budget of its own: `extract_reply_text` reads at most 128 KiB, `preview` the start.
    Like `parse`, it answers for every input: should extraction fail, the new part is the
    whole text.
    """

    __slots__ = ("_derived", "_source", "_text")

    def __init__(self, source: str, text: str) -> None:
        self._source = source  # the text the new part is taken from
        self._text = text  # the whole text: previewed when there is no new part
        self._derived: tuple[str, str] | None = None

    @classmethod
    def known(cls, text: str, preview_text: str) -> ReplyText:
        """A reply text derived already (by the isolated parser)."""
        reply = cls("", "")
        reply._derived = (text, preview_text)
        return reply

    def _value(self) -> tuple[str, str]:
        if self._derived is None:
            try:
                extracted = extract_reply_text(self._source)
            except Exception:  # an answer for every input, as parse() gives
                extracted = self._source
            self._derived = (extracted, preview(extracted or self._text, PREVIEW_CHARS))
        return self._derived

    @property
    def text(self) -> str:
        return self._value()[0]

    @property
    def preview(self) -> str:
        return self._value()[1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReplyText) and self._value() == other._value()

    def __hash__(self) -> int:
        return hash(self._value())

    def __repr__(self) -> str:
        return f"ReplyText(text={self.text!r}, preview={self.preview!r})"


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """One inbound message, parsed or quarantined."""

    message_id: str  # "<id>"; generated from the content when missing or unusable
    message_id_generated: bool
    in_reply_to: str | None  # the first id of In-Reply-To, "<id>"
    references: tuple[str, ...]  # References, oldest first, "<id>" each, lenient
    subject: str  # decoded; "" when absent
    from_: Mailbox | None  # (name, address)
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...]
    reply_to: tuple[Mailbox, ...]
    date: datetime | None  # aware; None when absent or unparseable
    headers: tuple[tuple[str, str], ...]  # every top-level field in order, unfolded, as sent
    text: str  # the plain body; derived from the HTML when there is only HTML
    html: str | None
    reply: ReplyText  # the new part of the text and its preview, derived on first read
    attachments: tuple[ParsedAttachment, ...]
    defects: tuple[str, ...]  # short "kind: detail" strings, never bodies or addresses
    quarantine_reason: QuarantineReason | None  # None for mail parsed normally
    raw_sha256: str  # of the raw message: tells apart two messages with one Message-ID
    size: int  # bytes of the raw message

    @property
    def extracted_text(self) -> str:
        """The new part of a reply: history and signature removed."""
        return self.reply.text

    @property
    def preview(self) -> str:
        """The first ~200 visible characters of the new text, whitespace collapsed."""
        return self.reply.preview
