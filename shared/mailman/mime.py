"""Parse inbound MIME within hard limits: hostile mail is normal input.

`parse(raw)` answers a `ParsedMail` for any bytes and never raises. A message that
crosses a limit, exhausts its budget or defeats the parser comes back with
`quarantine_reason` set, the headers that could be read safely, and no bodies;
the inbound pipeline stores it quarantined instead of retrying it forever.

How a message is parsed, in order:

1. **Pre-check on the raw bytes** (`mailman.mime_scan`), before any parser sees
   them: total size (SES accepts up to 40 MB), each header block's size, its field
   count, each field's length, MIME nesting depth and the number of MIME entities.
   The scan reads header blocks one field at a time with a C-level regex and
   multipart bodies one boundary at a time with `bytes.find`; every loop stops at
   a limit, so the scan is linear and cheap (0.05-4 ms on the hostile corpus).
   Over a limit: quarantined with the reason, nothing parsed.
2. **Structure and transfer decoding** by `fast-mail-parser` (Rust),
   `parse_email_tree(mode="lazy")`: the MIME tree, base64/quoted-printable,
   RFC 2231 filenames, Content-IDs, embedded `message/rfc822`. Its flat
   `parse_email` decodes text itself and gets charsets wrong (`charset=latin-1`
   came out as U+FFFD, with a "charset-fallback" warning), so the tree's raw leaf
   bytes are decoded here instead, with a fallback chain (`mime_text.decode_text`).
   The top-level headers come from the pre-check's own field list, decoded here
   (RFC 2047, addresses, ids, date) by linear code, so both a parsed and a
   quarantined message get them the same way.
3. **Text work** in Python, each step linear and bounded: HTML to text, then the
   reply's new part (`mime_quotes`) and the preview, which `ReplyText` derives when
   they are first read (receiving reads them while the database stores the message
   before; see `ReplyText`).

Why fast-mail-parser and not the stdlib, measured by `bench/parse.py` (table in
docs/benchmarks.md, 2026-11-21, 2 vCPU AMD EPYC, Python 3.11.7): `email` with
`policy.default` took 18 s on a 32 KB Content-Type of semicolons, 4 s and 172 MB
on a To: of 20,000 addresses, 1.2 s and 780 MB on a subject of 10,000 encoded
words, 11 s on 50,000 sibling parts, and raised RecursionError on 1,000 nested
parts. fast-mail-parser's tree took 1 ms, 3 ms, 75 ms, 89 ms and refused the
nesting with MimeStructureError. On everyday 5-50 KB mail fast-mail-parser alone
parses about 47,000 messages/s against 709 for `policy.default`; this whole
module (pre-check, parser, charsets, HTML, reply extraction) does 2,250/s, p50
0.41 ms, p99 0.93 ms. `compat32` is fast (3,100/s) but decodes nothing (no RFC
2047, charsets or RFC 2231) and recurses just the same. The pre-check quarantines
every one of the hostile cases above (except the semicolons, which parse) in
0-7 ms before any parser runs.

The time and memory budget (`Limits.time_budget_seconds` 2 s,
`Limits.memory_budget_bytes` 256 MiB):

- Messages up to `Limits.isolate_above_bytes` (1 MiB) are parsed in-process. After
  the pre-check every stage is linear in at most 1 MiB, so time and memory are
  bounded by construction: the worst inputs within the limits the bench could
  build take 1-240 ms and 0-24 MB (1 MB of bare HTML tags is the slowest). The
  deadline is still checked between stages, and an overrun quarantines the message.
- Larger messages (attachments; up to 40 MB) are parsed in a child process:
  `subprocess` runs `python -m mailman.mime_worker`, which lowers its own
  `RLIMIT_AS` to the memory budget (and `RLIMIT_CPU` to the time budget) before
  reading the message from stdin; the parent kills it at the wall-clock budget.
  A 40 MB message with one attachment takes 0.3 s, 128 MB in the worker. A spawned
  interpreter rather than a fork because AWS Lambda has no /dev/shm (so no
  `multiprocessing` queues or pools) and forking a process that runs Powertools'
  threads is unsafe; the worker starts without the function's environment (no AWS
  credentials) and answers over a pipe in a small framed format (JSON plus the
  attachments' bytes; no pickle). Starting it costs about 60-90 ms, paid only by
  messages over 1 MiB.

Known limit of the parser: fast-mail-parser takes a line that merely begins with
"--boundary" (say "--b10" inside a part bounded by "b1") for a delimiter. The
pre-check splits bodies strictly; when the two disagree the message gets the
defect "structure_mismatch" (and keeps its raw bytes).
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

import fast_mail_parser as fmp

from mailman.domain.message_ids import parse_ids
from mailman.mime_quotes import extract_reply_text
from mailman.mime_scan import DEFAULT_LIMITS, Leaf, Limits, QuarantineReason, Scan, scan
from mailman.mime_scan import content_type_params as _content_type_params
from mailman.mime_text import (
    Mailbox,
    decode_header_bytes,
    decode_text,
    decode_words,
    html_to_text,
    lenient_b64decode,
    parse_addresses,
    parse_date,
    preview,
    strip_unsafe,
)

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Mailbox",
    "ParsedAttachment",
    "ParsedMail",
    "QuarantineReason",
    "ReplyText",
    "parse",
]

GENERATED_ID_DOMAIN = "mailman.generated"
PREVIEW_CHARS = 200


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


class _BudgetExceeded(Exception):
    def __init__(self, reason: QuarantineReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _Budget:
    """The in-process deadline, checked between stages."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def check(self, stage: str) -> None:
        if time.monotonic() > self.deadline:
            raise _BudgetExceeded(QuarantineReason.TIME_BUDGET_EXCEEDED, f"time_budget: {stage}")


def parse(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> ParsedMail:
    """Parse one raw message within `limits`; never raises (see the module docstring)."""
    started = time.monotonic()
    checked = Scan(fields=[], body_start=0)
    try:
        checked = scan(raw, limits)
        if checked.reason is not None:
            return _quarantined(raw, checked, checked.reason)
        if len(raw) > limits.isolate_above_bytes:
            return _parse_isolated(raw, checked, limits, started)
        budget = _Budget(started + limits.time_budget_seconds)
        return _parse_checked(raw, checked, limits, budget)
    except _BudgetExceeded as over:
        return _quarantined(raw, checked, over.reason, over.detail)
    except MemoryError:
        return _quarantined(raw, checked, QuarantineReason.MEMORY_BUDGET_EXCEEDED)
    except Exception as exc:  # the promise is an answer for every input
        return _quarantined(raw, checked, QuarantineReason.PARSER_FAILED, type(exc).__name__)


# --- headers ----------------------------------------------------------------------------

_SINGLETONS = (b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"in-reply-to")


@dataclass(frozen=True, slots=True)
class _Envelope:
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


def _envelope(raw: bytes, checked: Scan) -> _Envelope:
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
    senders = parse_addresses(text(b"from"))
    if not senders:
        defects.append("missing_from" if b"from" not in first else "unparseable_from")
    return _Envelope(
        message_id=ids[0] if ids else _generated_id(raw, checked, first),
        message_id_generated=not ids,
        in_reply_to=next(iter(parse_ids(text(b"in-reply-to"))), None),
        references=parse_ids(text(b"references")),
        subject=decode_words(text(b"subject")).strip(),
        from_=senders[0] if senders else None,
        to=tuple(parse_addresses(text(b"to"))),
        cc=tuple(parse_addresses(text(b"cc"))),
        reply_to=tuple(parse_addresses(text(b"reply-to"))),
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


def _quarantined(
    raw: bytes, checked: Scan, reason: QuarantineReason, detail: str | None = None
) -> ParsedMail:
    try:
        envelope = _envelope(raw, checked)
    except Exception:  # even the safe header read failed: answer without it
        envelope = _envelope(raw, Scan(fields=[], body_start=0))
    defects = [*checked.defects, *envelope.defects]
    if detail and detail not in defects:
        defects.append(detail)
    return _mail(raw, envelope, defects=defects, quarantine_reason=reason)


def _mail(
    raw: bytes,
    envelope: _Envelope,
    *,
    defects: list[str],
    quarantine_reason: QuarantineReason | None = None,
    text: str = "",
    html: str | None = None,
    reply_source: str = "",
    attachments: tuple[ParsedAttachment, ...] = (),
) -> ParsedMail:
    return ParsedMail(
        message_id=envelope.message_id,
        message_id_generated=envelope.message_id_generated,
        in_reply_to=envelope.in_reply_to,
        references=envelope.references,
        subject=envelope.subject,
        from_=envelope.from_,
        to=envelope.to,
        cc=envelope.cc,
        reply_to=envelope.reply_to,
        date=envelope.date,
        headers=envelope.headers,
        text=text,
        html=html,
        reply=ReplyText(reply_source, text),
        attachments=attachments,
        defects=tuple(dict.fromkeys(defects)),
        quarantine_reason=quarantine_reason,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
    )


# --- bodies and attachments -------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BODY_TYPES = ("text/plain", "text/html")
_EMBEDDED = ("message/rfc822", "message/global")  # the pre-check cannot see into encoded ones


def _unix_newlines(text: str) -> str:
    """CRLF and lone CR as LF (two string scans: far quicker than a regular expression)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


@dataclass(slots=True)
class _Parts:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def _header(node: fmp.PyLazyMimePart, name: str) -> str:
    for key, values in node.headers.items():
        if key.lower() == name and values:
            return values[0]
    return ""


_QUOTED_NAME = re.compile(r'(?:^|;)\s*(?:file)?name\s*=\s*"((?:[^"\\]|\\.)*)"', re.IGNORECASE)
_QUOTED_PAIR = re.compile(r"\\(.)")


def _filename(node: fmp.PyLazyMimePart) -> str:
    """The part's name as its sender wrote it.

    fast-mail-parser answers a quoted `filename="..."` (or `name="..."`) as written, its
    quoted pairs (`\\"`, `\\\\`) left in; they are undone here when its answer is exactly
    such a quoted value of the part's headers. A backslash anywhere else (an RFC 2231
    `filename*`, a bare token) is the sender's own and stays.
    """
    name = node.filename
    if "\\" not in name:
        return name
    for header in ("content-disposition", "content-type"):
        if any(found[1] == name for found in _QUOTED_NAME.finditer(_header(node, header))):
            return _QUOTED_PAIR.sub(r"\1", name)
    return name


def _nodes(root: fmp.PyLazyMimePart, limits: Limits) -> Iterator[tuple[fmp.PyLazyMimePart, bool]]:
    """Every node depth-first with "inside an embedded message", re-checking the limits.

    The pre-check cannot see into a base64-encoded message/rfc822; the parser can,
    so its tree is held to the same depth and part limits.
    """
    stack: list[tuple[fmp.PyLazyMimePart, int, bool]] = [(root, 0, False)]
    count = 0
    while stack:
        node, depth, embedded = stack.pop()
        count += 1
        if count > limits.max_parts:
            raise _BudgetExceeded(
                QuarantineReason.TOO_MANY_PARTS, f"too_many_parts: > {limits.max_parts} entities"
            )
        if depth > limits.max_mime_depth:
            raise _BudgetExceeded(
                QuarantineReason.MIME_TOO_DEEP, f"mime_too_deep: > {limits.max_mime_depth} levels"
            )
        yield node, embedded
        inner = embedded or node.is_message
        stack.extend((child, depth + 1, inner) for child in reversed(node.children))


def _lenient_decode(data: bytes, transfer_encoding: str) -> bytes:
    """Base64 with bad padding or stray characters, as mail clients accept it."""
    if transfer_encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    if transfer_encoding != "base64":
        return data
    return lenient_b64decode(data)


def _content(node: fmp.PyLazyMimePart, leaf: Leaf | None, raw: bytes, parts: _Parts) -> bytes:
    """A leaf's decoded bytes; when the parser refuses its encoding, decoded leniently."""
    try:
        return node.content or b""
    except fmp.DecodeError:
        pass
    if leaf is not None:
        try:
            content = _lenient_decode(raw[leaf.body_start : leaf.body_end], leaf.transfer_encoding)
        except (binascii.Error, ValueError):
            pass
        else:
            parts.defects.append(f"lenient_decode: {leaf.content_type}")
            return content
    parts.defects.append(f"undecodable_part: {node.content_type.lower()}")
    return b""


def _collect(
    tree: fmp.PyLazyMimePart, raw: bytes, checked: Scan, limits: Limits, budget: _Budget
) -> _Parts:
    parts = _Parts()
    nodes = list(_nodes(tree, limits))
    # The pre-check's leaves locate a part's encoded bytes, when both saw the same leaves.
    leaves = [node.content_type.lower() for node, _ in nodes if not node.children]
    aligned = leaves == [leaf.content_type for leaf in checked.leaves]
    if not aligned and not any(leaf.content_type in _EMBEDDED for leaf in checked.leaves):
        # The pre-check and the parser split the body differently: fast-mail-parser takes
        # a line that merely starts with "--boundary" ("--b10" for boundary "b1") for a
        # delimiter. Say so; the raw message is kept.
        parts.defects.append("structure_mismatch")
    leaf_index = -1
    for index, (node, embedded) in enumerate(nodes):
        if index % 64 == 63:
            budget.check("parts")
        leaf_index += 0 if node.children else 1
        if embedded or (node.children and not node.is_message):
            continue  # structure, or the inside of a forwarded message (kept whole below)
        media = node.content_type.lower()
        if media.startswith("multipart/"):
            continue  # a container the parser found no parts in
        disposition = (node.disposition or "").lower()
        filename = _CONTROL.sub("", strip_unsafe(_filename(node))) or None
        leaf = checked.leaves[leaf_index] if aligned and not node.children else None
        content = _content(node, leaf, raw, parts)
        if media in _BODY_TYPES and disposition != "attachment" and filename is None:
            _, params = _content_type_params(_header(node, "content-type"))
            text, defect = decode_text(content, params.get("charset"))
            if defect:
                parts.defects.append(f"{defect} ({media})")
            text = strip_unsafe(_unix_newlines(text))
            if media == "text/html":
                parts.html.append(text)
            else:
                flowed = params.get("format", "").lower() == "flowed"
                delsp = params.get("delsp", "").lower() == "yes"
                parts.plain.append(_unflow(text, delsp=delsp) if flowed else text)
            continue
        content_id = (node.content_id or "").strip("<> ") or None
        parts.attachments.append(
            ParsedAttachment(
                filename=filename,
                content_type=media,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content_id=content_id,
                inline=disposition == "inline" or (not disposition and content_id is not None),
                content=content,
            )
        )
    return parts


_FLOWED_QUOTE = re.compile(r">*")


def _unflow(text: str, *, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines of the same quote depth."""
    out: list[str] = []
    joining: tuple[int, list[str]] | None = None
    for line in text.split("\n"):
        quote = _FLOWED_QUOTE.match(line)
        depth = quote.end() if quote else 0
        content = line[depth:]
        content = content.removeprefix(" ")  # space-stuffing
        soft = content.endswith(" ") and content != "-- "
        if joining is not None and joining[0] == depth:
            joining[1].append(content[:-1] if soft and delsp else content)
        else:
            if joining is not None:
                out.append(_flowed_line(*joining))
            joining = (depth, [content[:-1] if soft and delsp else content])
        if not soft:
            out.append(_flowed_line(*joining))
            joining = None
    if joining is not None:
        out.append(_flowed_line(*joining))
    return "\n".join(out)


def _flowed_line(depth: int, pieces: list[str]) -> str:
    return ">" * depth + (" " if depth else "") + "".join(pieces)


_LONE_CR = re.compile(rb"\r(?!\n)")


def _tree(
    raw: bytes, checked: Scan, limits: Limits
) -> tuple[fmp.PyLazyMimePart, bytes, Scan, list[str]] | QuarantineReason:
    """The parser's tree, and the bytes and scan it was built from.

    fast-mail-parser refuses some header blocks that mail clients read fine (a first
    line starting with a space, a lone CR, here or in a part). The pre-check already
    split the top-level fields, so those are written out again canonically, lone CRs
    become line breaks, and the result is parsed once more before giving up.
    """
    try:
        return fmp.parse_email_tree(raw, mode="lazy"), raw, checked, []
    except fmp.HeaderParseError:
        pass
    block = b"".join(name + b": " + value + b"\r\n" for name, value in checked.fields)
    rebuilt = _LONE_CR.sub(b"\r\n", block + b"\r\n" + raw[checked.body_start :])
    rescan = scan(rebuilt, limits)
    if rescan.reason is not None:
        return rescan.reason
    return fmp.parse_email_tree(rebuilt, mode="lazy"), rebuilt, rescan, ["headers_rewritten"]


def _parse_checked(raw: bytes, checked: Scan, limits: Limits, budget: _Budget) -> ParsedMail:
    """Parse a message that passed the pre-check, in this process."""
    envelope = _envelope(raw, checked)
    budget.check("scan")
    try:
        parsed = _tree(raw, checked, limits)
    except fmp.ParseError as exc:
        return _quarantined(raw, checked, QuarantineReason.PARSER_FAILED, type(exc).__name__)
    if isinstance(parsed, QuarantineReason):
        return _quarantined(raw, checked, parsed)
    tree, source, layout, repairs = parsed
    budget.check("parse")
    parts = _collect(tree, source, layout, limits, budget)
    if not tree.children and tree.content_type.lower().startswith("multipart/"):
        # no usable boundary: show the body as text rather than lose it
        text, _ = decode_text(source[layout.body_start :], None)
        parts.plain.append(strip_unsafe(_unix_newlines(text)))
    budget.check("bodies")
    html = "\n".join(parts.html) if parts.html else None
    if parts.plain:
        text = reply_source = "\n".join(parts.plain)
    elif html is not None:
        text, reply_source = html_to_text(html)
    else:
        text = reply_source = ""
    return _mail(
        raw,
        envelope,
        defects=[*checked.defects, *repairs, *envelope.defects, *parts.defects],
        text=text,
        html=html,
        reply_source=reply_source,
        attachments=tuple(parts.attachments),
    )


# --- the isolated parser ----------------------------------------------------------------

EXIT_MEMORY = 3  # the worker's exit status when it ran out of its address space
_WORKER_ENV = ("PATH", "LD_LIBRARY_PATH", "LANG", "LC_ALL", "TZ")
_WIRE_MAGIC = b"MMW1"


def _parse_isolated(raw: bytes, checked: Scan, limits: Limits, started: float) -> ParsedMail:
    """Parse in a child process under RLIMIT_AS, killed at the wall-clock budget."""
    remaining = limits.time_budget_seconds - (time.monotonic() - started)
    if remaining <= 0:
        return _quarantined(
            raw, checked, QuarantineReason.TIME_BUDGET_EXCEEDED, "time_budget: scan"
        )
    # The worker parses in-process (it is the isolation) within what is left of the budget.
    # It gets no credentials: only what the interpreter needs to start and find our code.
    inner = replace(limits, time_budget_seconds=remaining, isolate_above_bytes=len(raw))
    command = [sys.executable, "-s", "-m", "mailman.mime_worker", json.dumps(asdict(inner))]
    env = {key: os.environ[key] for key in _WORKER_ENV if key in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(entry for entry in sys.path if entry)
    with subprocess.Popen(  # noqa: S603 - this interpreter and our module; no shell, no input
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as child:
        try:
            out, err = child.communicate(raw, timeout=remaining)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            out, err = b"", b""
            child.returncode = -signal.SIGXCPU  # report it as the CPU limit would
    if child.returncode == 0:
        try:
            return from_wire(out)
        except (ValueError, KeyError, TypeError, IndexError):
            return _quarantined(raw, checked, QuarantineReason.PARSER_FAILED, "bad_worker_answer")
    reason, detail = _worker_failure(child.returncode, err)
    return _quarantined(raw, checked, reason, detail)


def _worker_failure(returncode: int, stderr: bytes) -> tuple[QuarantineReason, str]:
    """Why the worker ended without an answer: out of memory, out of time, or a crash."""
    if returncode == EXIT_MEMORY or b"memory" in stderr.lower():
        return QuarantineReason.MEMORY_BUDGET_EXCEEDED, "memory_budget: isolated parse"
    if returncode == -signal.SIGXCPU:  # killed at the wall clock, or by RLIMIT_CPU
        return QuarantineReason.TIME_BUDGET_EXCEEDED, "time_budget: isolated parse"
    return QuarantineReason.PARSER_FAILED, f"worker_exit: {returncode}"


def _mailbox_json(box: Mailbox | None) -> list[str | None] | None:
    return None if box is None else [box.name, box.address]


def to_wire(mail: ParsedMail) -> bytes:
    """ParsedMail as bytes for the worker's pipe: a JSON head, then the attachments' bytes."""
    head = {
        "message_id": mail.message_id,
        "message_id_generated": mail.message_id_generated,
        "in_reply_to": mail.in_reply_to,
        "references": list(mail.references),
        "subject": mail.subject,
        "from_": _mailbox_json(mail.from_),
        "to": [_mailbox_json(box) for box in mail.to],
        "cc": [_mailbox_json(box) for box in mail.cc],
        "reply_to": [_mailbox_json(box) for box in mail.reply_to],
        "date": mail.date.isoformat() if mail.date else None,
        "headers": [list(pair) for pair in mail.headers],
        "text": mail.text,
        "html": mail.html,
        "preview": mail.preview,
        "extracted_text": mail.extracted_text,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "content_id": item.content_id,
                "inline": item.inline,
            }
            for item in mail.attachments
        ],
        "defects": list(mail.defects),
        "quarantine_reason": mail.quarantine_reason,
        "raw_sha256": mail.raw_sha256,
        "size": mail.size,
    }
    encoded = json.dumps(head, ensure_ascii=True).encode("ascii")
    blobs = b"".join(item.content for item in mail.attachments)
    return _WIRE_MAGIC + len(encoded).to_bytes(8, "big") + encoded + blobs


def _mailbox(value: Any) -> Mailbox:
    name, address = value
    if not (name is None or isinstance(name, str)) or not isinstance(address, str):
        raise TypeError("mailbox")
    return Mailbox(name, address)


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("string")
    return value


def from_wire(data: bytes) -> ParsedMail:
    """The inverse of `to_wire`; raises ValueError/TypeError/KeyError on anything else."""
    if not data.startswith(_WIRE_MAGIC) or len(data) < 12:
        raise ValueError("not a worker answer")
    length = int.from_bytes(data[4:12], "big")
    head = json.loads(data[12 : 12 + length])
    offset = 12 + length
    attachments = []
    for item in head["attachments"]:
        size = int(item["size"])
        content = data[offset : offset + size]
        if len(content) != size:
            raise ValueError("truncated attachment")
        offset += size
        attachments.append(
            ParsedAttachment(
                filename=_opt_str(item["filename"]),
                content_type=str(item["content_type"]),
                size=size,
                sha256=str(item["sha256"]),
                content_id=_opt_str(item["content_id"]),
                inline=bool(item["inline"]),
                content=content,
            )
        )
    reason = head["quarantine_reason"]
    date = head["date"]
    return ParsedMail(
        message_id=str(head["message_id"]),
        message_id_generated=bool(head["message_id_generated"]),
        in_reply_to=_opt_str(head["in_reply_to"]),
        references=tuple(str(ref) for ref in head["references"]),
        subject=str(head["subject"]),
        from_=None if head["from_"] is None else _mailbox(head["from_"]),
        to=tuple(_mailbox(box) for box in head["to"]),
        cc=tuple(_mailbox(box) for box in head["cc"]),
        reply_to=tuple(_mailbox(box) for box in head["reply_to"]),
        date=None if date is None else datetime.fromisoformat(str(date)),
        headers=tuple((str(name), str(value)) for name, value in head["headers"]),
        text=str(head["text"]),
        html=_opt_str(head["html"]),
        reply=ReplyText.known(str(head["extracted_text"]), str(head["preview"])),
        attachments=tuple(attachments),
        defects=tuple(str(defect) for defect in head["defects"]),
        quarantine_reason=None if reason is None else QuarantineReason(reason),
        raw_sha256=str(head["raw_sha256"]),
        size=int(head["size"]),
    )
