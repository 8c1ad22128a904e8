"""RFC 2047 encoded-words (`=?utf-8?q?J=C3=B6rg?=`) decoded as mail readers decode them:
leniently (bad base64 padding, a multi-byte character split across two words, a charset
label that is wrong or unknown), and never into text PostgreSQL cannot store. Inbound
headers and the display names of addresses a caller gives are both read this way.
"""

from __future__ import annotations

import binascii
import re

from mailman.domain.charsets import decode_text, strip_unsafe

_ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,40})(?:\*[^?\s]{0,40})?\?([bBqQ])\?([^?\s]*)\?=")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_SPACES = re.compile(r"\s+")


def lenient_b64decode(data: bytes) -> bytes:
    """Base64 with bad padding or stray characters, as mail clients accept it."""
    data = _NOT_BASE64.sub(b"", data)
    data = data[: len(data) - 1] if len(data) % 4 == 1 else data
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("ascii", "replace")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    return lenient_b64decode(data)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded-words, joining adjacent ones (split multi-byte characters)."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    pos = 0

    def flush() -> None:
        if pending:
            out.append(decode_text(b"".join(pending), pending_charset)[0])
            pending.clear()

    for word in _ENCODED_WORD.finditer(value):
        gap = value[pos : word.start()]
        charset = word[1].lower()
        if gap and (gap.strip() or not pending):
            flush()
            out.append(gap)
        if pending and charset != pending_charset:
            flush()
        pending.append(_word_bytes(word[2], word[3]))
        pending_charset = charset
        pos = word.end()
    flush()
    out.append(value[pos:])
    return strip_unsafe("".join(out))


def decode_display_name(name: str) -> str | None:
    """A display name with its encoded-words decoded and its white space folded; None when
    nothing is left."""
    return _SPACES.sub(" ", decode_words(name)).strip() or None
