"""Charsets: a body's or a header's bytes as text, whatever charset it declares (inbound
mail's parts and headers, and the encoded-words of an address a caller gives).

Every function here is total (it answers something for any input and never
raises) and linear in its input: regexes have no nested quantifiers, loops advance
by at least one token, and `str.find` does the scanning. The callers bound the
inputs (a header is at most `Limits.max_header_bytes`), so none of these can be
turned into the quadratic or recursive blow-ups of `email.policy.default`. The
same holds for the MIME package's text modules (headers, HTML, quotes, previews).
"""

from __future__ import annotations

import codecs
import re

_CHARSET_LABEL = re.compile(r"[a-z0-9._:+-]{1,40}")
# Labels mail carries that Python does not know, mapped to a codec that decodes them.
_LABEL_ALIASES = {
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-gbk": "gbk",
    "unicode-1-1-utf-7": "utf-7",
    "x-mac-roman": "mac_roman",
    "ansi_x3.4-1968": "ascii",
    "utf8mb4": "utf-8",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "x-euc-jp": "euc_jp",
    "x-unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
}
# Codecs that bytes.decode accepts but that are not a mail charset.
_DENIED_CODECS = frozenset(
    {"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "charmap", "mbcs"}
)
# Declared charset -> codecs tried in order (vendor supersets first, as mail clients do).
_SUPERSETS = {
    "shift_jis": ("cp932", "shift_jis"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "euc_kr": ("cp949",),
    "big5": ("big5hkscs", "cp950"),
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"),
}
_SINGLE_BYTE_PREFIXES = ("iso8859", "cp12", "koi8", "mac-", "mac_", "latin", "tis")
_SINGLE_BYTE = frozenset({"ascii", "cp874", "cp437", "cp850", "cp866"})
_SEVEN_BIT_PREFIXES = ("iso2022", "utf-7", "hz")
_REAL_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _codec(label: str) -> str | None:
    """The Python codec for a charset label, or None when unknown or not a mail charset."""
    if not _CHARSET_LABEL.fullmatch(label):
        return None
    label = _LABEL_ALIASES.get(label, label)
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if info.name in _DENIED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _single_byte(codec: str) -> bool:
    return codec in _SINGLE_BYTE or codec.startswith(_SINGLE_BYTE_PREFIXES)


def decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode a text body in its declared charset, falling back sensibly; never raises.

    Answers the text and a short defect when the declared charset was unknown, wrong
    or unusable. Order: a single-byte (or absent, or ASCII) declaration is tried as
    UTF-8 first, because valid UTF-8 with non-ASCII bytes is almost never Latin-1 and
    the opposite mistake is everywhere; then the declared codec (ISO-8859-1 read as
    its superset windows-1252, Shift_JIS as cp932, GB2312 as GB18030, ...); then
    UTF-8 with replacement when the bytes are mostly UTF-8; then windows-1252; then
    Latin-1, which decodes any byte string.
    """
    label = (declared or "").strip().strip("\"'").lower()
    codec = _codec(label) if label else None
    unknown = f"unknown_charset: {label[:40]}" if label and codec is None else None
    if not data:
        return "", unknown
    if data.isascii() and not (codec or "").startswith(_SEVEN_BIT_PREFIXES):
        return data.decode("ascii"), unknown
    if codec is not None and codec != "utf-8" and not _single_byte(codec):
        return _decode_multibyte(data, codec, label)
    return _decode_8bit(data, codec, label, unknown)


def _decode_multibyte(data: bytes, codec: str, label: str) -> tuple[str, str | None]:
    for name in _SUPERSETS.get(codec, (codec,)):
        try:
            return data.decode(name), None
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8"), f"charset_mismatch: {label} -> utf-8"
    except UnicodeDecodeError:
        return data.decode(codec, "replace"), f"charset_errors: {label}"


def _decode_8bit(
    data: bytes, codec: str | None, label: str, unknown: str | None
) -> tuple[str, str | None]:
    """UTF-8, a single-byte charset, or none declared: UTF-8 first, then the rest."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        mismatch = codec not in (None, "utf-8")
        return text, f"charset_mismatch: {label} -> utf-8" if mismatch else unknown
    if codec in (None, "utf-8"):
        text = data.decode("utf-8", "replace")
        if _REAL_NON_ASCII.search(text):
            return text, f"charset_errors: {label or 'none'}"
    honoured = () if codec in (None, "utf-8", "ascii", "iso8859-1") else (codec,)
    for name in (*honoured, "cp1252"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if codec in (name, "iso8859-1"):
            return text, unknown
        return text, f"charset_fallback: {label or 'none'} -> {name}"
    return data.decode("latin-1"), f"charset_fallback: {label or 'none'} -> latin-1"


def strip_unsafe(text: str) -> str:
    """Drop NUL and lone surrogates: PostgreSQL text and UTF-8 JSON accept neither."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # far quicker than a regular expression over the whole text
    except UnicodeEncodeError:
        return _SURROGATES.sub("", text)
    return text
