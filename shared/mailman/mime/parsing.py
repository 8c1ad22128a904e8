"""Parsing: raw inbound bytes to a `ParsedMail` within the `Limits`, for any input.

The pre-scan first, then fast-mail-parser's tree, then the text work; messages over
`Limits.isolate_above_bytes` go to the isolated worker. docs/mime.md tells the steps.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import fast_mail_parser as fmp

from mailman.domain.charsets import decode_text, strip_unsafe
from mailman.domain.encoded_words import lenient_b64decode
from mailman.mime import worker
from mailman.mime.flowed import unflow
from mailman.mime.headers import Envelope, read_envelope
from mailman.mime.html_text import html_to_text
from mailman.mime.model import (
    DEFAULT_LIMITS,
    Limits,
    ParsedAttachment,
    ParsedMail,
    QuarantineReason,
    ReplyText,
)
from mailman.mime.prescan import Leaf, Scan, content_type_params, scan


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
    """Parse one raw message within `limits`; never raises: what it cannot parse is quarantined."""
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


def _quarantined(
    raw: bytes, checked: Scan, reason: QuarantineReason, detail: str | None = None
) -> ParsedMail:
    try:
        envelope = read_envelope(raw, checked)
    except Exception:  # even the safe header read failed: answer without it
        envelope = read_envelope(raw, Scan(fields=[], body_start=0))
    defects = [*checked.defects, *envelope.defects]
    if detail and detail not in defects:
        defects.append(detail)
    return _mail(raw, envelope, defects=defects, quarantine_reason=reason)


def _mail(
    raw: bytes,
    envelope: Envelope,
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
            _, params = content_type_params(_header(node, "content-type"))
            text, defect = decode_text(content, params.get("charset"))
            if defect:
                parts.defects.append(f"{defect} ({media})")
            text = strip_unsafe(_unix_newlines(text))
            if media == "text/html":
                parts.html.append(text)
            else:
                flowed = params.get("format", "").lower() == "flowed"
                delsp = params.get("delsp", "").lower() == "yes"
                parts.plain.append(unflow(text, delsp=delsp) if flowed else text)
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
    envelope = read_envelope(raw, checked)
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


def _parse_isolated(raw: bytes, checked: Scan, limits: Limits, started: float) -> ParsedMail:
    """Parse in the isolated worker, within what is left of the time budget."""
    remaining = limits.time_budget_seconds - (time.monotonic() - started)
    if remaining <= 0:
        return _quarantined(
            raw, checked, QuarantineReason.TIME_BUDGET_EXCEEDED, "time_budget: scan"
        )
    inner = replace(limits, time_budget_seconds=remaining, isolate_above_bytes=len(raw))
    answer = worker.parse_isolated(raw, inner)
    if isinstance(answer, ParsedMail):
        return answer
    reason, detail = answer
    return _quarantined(raw, checked, reason, detail)
