"""The pre-scan: the cheap check of raw bytes against the `Limits`, before any parser.

Nothing here parses a message the way a MIME library does. It walks the header
blocks field by field with one C-level regex search per field, and walks
multipart bodies boundary by boundary with `bytes.find`; every loop is cut off by
a limit before it can grow, so the scan's cost is linear in the bytes it may look
at (at most `max_mime_depth` times the message size in the nested worst case, and
in practice once over the message). It is the gate in front of the real parser:
a message that fails it is quarantined without being parsed at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailman.mime.model import Limits, QuarantineReason


@dataclass(frozen=True, slots=True)
class Leaf:
    """A non-container entity found by the scan: where its (still encoded) body lies."""

    content_type: str
    transfer_encoding: str
    body_start: int
    body_end: int


@dataclass(slots=True)
class Scan:
    """What the pre-check learnt: the top-level fields it could read safely, and a verdict."""

    fields: list[tuple[bytes, bytes]]
    body_start: int
    reason: QuarantineReason | None = None
    entities: int = 1
    depth: int = 0
    leaves: list[Leaf] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


# A field ends at a newline that is not followed by folding whitespace.
_FIELD_END = re.compile(rb"\n(?![ \t])")
# Printable US-ASCII except ':' (RFC 5322 ftext).
_FIELD_NAME = re.compile(rb"[!-9;-~]+")
_CT_TYPE = re.compile(r"\s*([^\s;/]+)\s*/\s*([^\s;]+)")
_CT_PARAM = re.compile(r';\s*([^\s;="]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_MAX_PARAMS = 64
_EMBEDDED = ("message/rfc822", "message/global")


def content_type_params(value: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` (lower case) and the parameters of a Content-Type value.

    Linear in the value: one anchored match, then at most `_MAX_PARAMS` parameter
    matches, each starting at a ';'. A value of 32,000 semicolons costs one pass.
    A missing or unreadable type answers `text/plain`, as RFC 2045 says.
    """
    match = _CT_TYPE.match(value)
    media = f"{match[1]}/{match[2]}".lower() if match else "text/plain"
    params: dict[str, str] = {}
    for count, param in enumerate(_CT_PARAM.finditer(value, match.end() if match else 0)):
        if count >= _MAX_PARAMS:
            break
        raw = param[2].strip()
        if raw.startswith('"'):
            inner = raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
            raw = re.sub(r"\\(.)", r"\1", inner)
        params.setdefault(param[1].lower(), raw)
    return media, params


def _field(fields: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in fields:
        if key.lower() == name:
            return value
    return None


def _next_field(
    raw: bytes, pos: int, end: int, block_end: int, limits: Limits
) -> tuple[int, int] | QuarantineReason:
    """(end of the field at `pos`, start of the next one), or the limit the field crosses."""
    field_cap = pos + limits.max_header_bytes + 1
    window = min(end, field_cap, block_end + 1)
    found = _FIELD_END.search(raw, pos, window)
    if found is not None and found.end() == window < end and raw[window] in b" \t":
        found = None  # the search stopped at the window, inside a folded field
    if found is not None:
        return found.start(), found.end()
    if window == end:
        return end, end  # the last field runs to the end: no body
    if window == field_cap:
        return QuarantineReason.HEADER_TOO_LONG
    return QuarantineReason.HEADER_BLOCK_TOO_LARGE


def _detail(reason: QuarantineReason, raw: bytes, pos: int, limits: Limits) -> str:
    if reason is QuarantineReason.HEADER_TOO_LONG:
        label = raw[pos : pos + 80].partition(b":")[0].decode("ascii", "replace") or "?"
        return f"header_too_long: {label} > {limits.max_header_bytes} bytes"
    if reason is QuarantineReason.TOO_MANY_HEADERS:
        return f"too_many_headers: > {limits.max_header_count} fields"
    return f"header_block_too_large: > {limits.max_header_block_bytes} bytes"


def _header_block(
    raw: bytes, start: int, end: int, limits: Limits, defects: list[str]
) -> tuple[list[tuple[bytes, bytes]], int, QuarantineReason | None]:
    """Read the fields of the header block at `start`; answer them, the body start, a verdict.

    On a verdict the fields read so far are still answered (the offending one is not).
    """
    fields: list[tuple[bytes, bytes]] = []
    block_end = start + limits.max_header_block_bytes
    pos = start
    # an mbox separator line left on the message, or a stray continuation line before
    # the first field: skipped, as mail clients skip them
    stray = raw.startswith(b"From ") or raw.startswith((b" ", b"\t"))
    eol = raw.find(b"\n", 0, min(end, limits.max_header_bytes)) if start == 0 and stray else -1
    if eol >= 0:
        defects.append("mbox_from_line" if raw.startswith(b"From ") else "stray_header_line")
        pos = eol + 1
    while pos < end:
        if raw.startswith((b"\n", b"\r\n"), pos):
            return fields, raw.index(b"\n", pos) + 1, None
        step: tuple[int, int] | QuarantineReason
        if pos > block_end:
            step = QuarantineReason.HEADER_BLOCK_TOO_LARGE
        elif len(fields) >= limits.max_header_count:
            step = QuarantineReason.TOO_MANY_HEADERS
        else:
            step = _next_field(raw, pos, end, block_end, limits)
        if isinstance(step, QuarantineReason):
            defects.append(_detail(step, raw, pos, limits))
            return fields, pos, step
        line_start = pos
        line = raw[pos : step[0]]
        pos = step[1]
        name, colon, value = line.partition(b":")
        name = name.rstrip(b" \t")
        if not colon or not _FIELD_NAME.fullmatch(name):
            # Not a field: the body starts on this line, as the parser reads it too.
            defects.append("missing_header_separator" if fields else "missing_headers")
            return fields, line_start, None
        fields.append((name, value.strip(b" \t\r\n")))
    return fields, end, None


def _delimiters(
    raw: bytes, start: int, end: int, boundary: bytes, most: int
) -> tuple[list[tuple[int, int]], bool]:
    """The (start, end) byte ranges of a multipart body's parts, and whether it was closed.

    Stops after `most` + 1 parts: the caller only needs to know the limit is crossed.
    Every search starts where the last one stopped, so the body is read once.
    """
    delim = b"--" + boundary
    marks: list[tuple[int, int]] = []  # (delimiter line start, start of the next line)
    closed = False
    pos = start
    while len(marks) <= most:
        if pos == start and raw.startswith(delim, start):
            at = start
        else:
            hit = raw.find(b"\n" + delim, pos, end)
            if hit < 0:
                break
            at = hit + 1
        after = at + len(delim)
        eol = raw.find(b"\n", after, end)
        next_line = end if eol < 0 else eol + 1
        rest = raw[after:next_line]
        pos = after
        if rest.startswith(b"--"):
            marks.append((at, next_line))
            closed = True
            break
        if rest.strip(b" \t\r\n"):  # "--boundaryX": a longer string, not a delimiter
            continue
        marks.append((at, next_line))
    ranges: list[tuple[int, int]] = []
    for index in range(len(marks) - (1 if closed else 0)):
        body = marks[index][1]
        stop = end
        if index + 1 < len(marks):
            stop = marks[index + 1][0] - 1  # the line break before a delimiter is part of it
            if stop > body and raw[stop - 1 : stop] == b"\r":
                stop -= 1
        ranges.append((body, max(body, stop)))
    return ranges, closed


def _children(
    raw: bytes,
    start: int,
    end: int,
    entity_fields: list[tuple[bytes, bytes]],
    result: Scan,
    limits: Limits,
) -> list[tuple[int, int]]:
    """The byte ranges of a container's children; records a leaf (and answers []) otherwise."""
    ctype_raw = _field(entity_fields, b"content-type")
    media, params = content_type_params(ctype_raw.decode("latin-1") if ctype_raw else "")
    cte = (_field(entity_fields, b"content-transfer-encoding") or b"").decode("latin-1")
    cte = cte.strip().lower()
    boundary = params.get("boundary", "")
    children: list[tuple[int, int]] = []
    if media.startswith("multipart/") and boundary:
        most = limits.max_parts - result.entities
        children, closed = _delimiters(raw, start, end, boundary.encode("latin-1", "replace"), most)
        if not children:
            result.defects.append(f"multipart_without_parts: {media}")
        elif not closed and len(children) <= most:
            result.defects.append(f"multipart_not_closed: {media}")
    elif media.startswith("multipart/"):
        result.defects.append(f"multipart_without_boundary: {media}")
    elif media in _EMBEDDED and cte not in ("base64", "quoted-printable"):
        children = [(start, end)]
    if not children:
        result.leaves.append(Leaf(media, cte, start, end))
    return children


def scan(raw: bytes, limits: Limits) -> Scan:
    """Check `raw` against `limits` without parsing it; never raises on any input."""
    defects: list[str] = []
    fields, body_start, reason = _header_block(raw, 0, len(raw), limits, defects)
    result = Scan(fields=fields, body_start=body_start, reason=reason, defects=defects)
    if len(raw) > limits.max_message_bytes:
        defects.append(f"message_too_large: {len(raw)} > {limits.max_message_bytes} bytes")
        result.reason = QuarantineReason.MESSAGE_TOO_LARGE
    # (fields of the entity, body start, body end, depth), depth-first, in document order
    stack: list[tuple[list[tuple[bytes, bytes]], int, int, int]] = [
        (fields, body_start, len(raw), 0)
    ]
    while stack and result.reason is None:
        entity_fields, start, end, depth = stack.pop()
        result.depth = max(result.depth, depth)
        children = _children(raw, start, end, entity_fields, result, limits)
        if not children:
            continue
        result.entities += len(children)
        if depth + 1 > limits.max_mime_depth:
            defects.append(f"mime_too_deep: > {limits.max_mime_depth} levels")
            result.reason = QuarantineReason.MIME_TOO_DEEP
        elif result.entities > limits.max_parts:
            defects.append(f"too_many_parts: > {limits.max_parts} entities")
            result.reason = QuarantineReason.TOO_MANY_PARTS
        pending: list[tuple[list[tuple[bytes, bytes]], int, int, int]] = []
        for child_start, child_end in children if result.reason is None else ():
            if result.reason is not None:
                break
            child_fields, child_body, reason = _header_block(
                raw, child_start, child_end, limits, defects
            )
            result.reason = result.reason or reason
            pending.append((child_fields, child_body, child_end, depth + 1))
        stack.extend(reversed(pending))
    return result
