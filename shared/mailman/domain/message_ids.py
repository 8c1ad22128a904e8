"""Message-ID rules: lenient parsing of Message-ID, In-Reply-To and References values.

Real headers are damaged in predictable ways, and threading must survive them:

* folded ids: a header folded inside `<...>` leaves whitespace in the id
  (`<abc@mail.example .com>`); whitespace inside the brackets is removed;
* trailing prose: `<id> (Peter's message of "Mon, 12 Jan 2004 ...")` or
  `<id>; from ann@example.org on Mon, ...`; only bracketed tokens count, and
  `(comments)` and `"quoted strings"` are skipped, so an address quoted in a
  comment is not mistaken for an id;
* a bare id without brackets (`abc@example.org`) is accepted when it is the
  whole value.

Ids are compared exactly as written apart from that whitespace: RFC 5322 gives
no case-insensitive comparison, and mailers echo ids verbatim.

Mailing-list digests (Mailman's `<mailman.N.T.PID.list@host>`) bundle many
posts: every reader who answers a digest references the digest's id, so it is a
hub that would merge unrelated conversations. `is_digest_id` recognises them.
"""

from __future__ import annotations

import re

_DIGEST_RE = re.compile(r"<mailman\.\d+\.\d+\.\d+\.[^<>]*>", re.IGNORECASE)
_WHITESPACE_RE = re.compile(r"\s+")


def _bare_id(value: str) -> str | None:
    word = value.strip()
    if "@" in word and not _WHITESPACE_RE.search(word) and not any(c in word for c in '<>()"'):
        return f"<{word}>"
    return None


def _skip_comment(value: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(value):
        char = value[i]
        if char == "\\":
            i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _skip_quoted(value: str, start: int) -> int:
    i = start + 1
    while i < len(value):
        char = value[i]
        if char == "\\":
            i += 1
        elif char == '"':
            return i + 1
        i += 1
    return i


def parse_ids(value: str | None) -> tuple[str, ...]:
    """Every message id of an In-Reply-To or References value, in order, without repeats.

    Ids come back in their canonical form `<local@domain>` (whitespace removed).
    """
    if not value:
        return ()
    found: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        if char == "(":
            i = _skip_comment(value, i)
        elif char == '"':
            i = _skip_quoted(value, i)
        elif char == "<":
            end = value.find(">", i + 1)
            if end < 0:
                break
            reopened = value.find("<", i + 1, end)
            if reopened >= 0:
                i = reopened
                continue
            inner = _WHITESPACE_RE.sub("", value[i + 1 : end])
            if inner:
                found.append(f"<{inner}>")
            i = end + 1
        else:
            i += 1
    if not found:
        bare = _bare_id(value)
        if bare is not None:
            found.append(bare)
    return tuple(dict.fromkeys(found))


def parse_message_id(value: str | None) -> str | None:
    """The canonical id of a Message-ID header value, or None when it carries none."""
    ids = parse_ids(value)
    return ids[0] if ids else None


def is_digest_id(message_id: str) -> bool:
    """Whether the id has the shape of a Mailman digest (`<mailman.N.T.PID.list@host>`)."""
    return _DIGEST_RE.fullmatch(message_id) is not None
