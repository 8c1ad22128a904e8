"""Text out of mail: charsets, RFC 2047 words, addresses, dates, HTML, previews.

Every function here is total (it answers something for any input and never
raises) and linear in its input: regexes have no nested quantifiers, loops advance
by at least one token, and `str.find` does the scanning. The callers bound the
inputs (a header is at most `Limits.max_header_bytes`), so none of these can be
turned into the quadratic or recursive blow-ups of `email.policy.default` or of
`email.utils.getaddresses` (which recurses once per nested comment parenthesis).
"""

from __future__ import annotations

import binascii
import codecs
import html
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import NamedTuple

__all__ = [
    "HtmlText",
    "Mailbox",
    "decode_header_bytes",
    "decode_text",
    "decode_words",
    "html_to_text",
    "parse_addresses",
    "parse_date",
    "preview",
    "strip_unsafe",
]


class Mailbox(NamedTuple):
    """One address of an address header: display name (None when absent) and addr-spec."""

    name: str | None
    address: str


# --- charsets ---------------------------------------------------------------------------

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


# --- header values ----------------------------------------------------------------------

_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_STRAY_BREAK = re.compile(r"[\r\n]+")


def decode_header_bytes(value: bytes) -> str:
    """A raw header value as text: unfolded, 8-bit bytes read as UTF-8 or windows-1252."""
    if value.isascii() and b"\n" not in value and b"\r" not in value and b"\x00" not in value:
        return value.decode("ascii").strip()  # the common case, with nothing to undo
    text, _ = decode_text(_FOLD.sub(b"", value), None)
    return strip_unsafe(_STRAY_BREAK.sub(" ", text)).strip()


_ENCODED_WORD = re.compile(r"=\?([^?\s*]{1,40})(?:\*[^?\s]{0,40})?\?([bBqQ])\?([^?\s]*)\?=")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


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


# --- addresses --------------------------------------------------------------------------

_ADDRESS_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?|[<>,:;]|[^"(<>,:;]+')
_QUOTED_PAIR = re.compile(r"\\(.)")
_SPACES = re.compile(r"\s+")
_MAX_MAILBOXES = 2_000


def _display(tokens: list[str]) -> str | None:
    parts = [
        _QUOTED_PAIR.sub(r"\1", tok[1:-1] if tok.endswith('"') and len(tok) > 1 else tok[1:])
        if tok.startswith('"')
        else tok
        for tok in tokens
    ]
    name = _SPACES.sub(" ", decode_words(_SPACES.sub(" ", "".join(parts)).strip())).strip()
    return name or None


def parse_addresses(value: str) -> list[Mailbox]:
    """Mailboxes of an address-list header, leniently: groups flattened, comments as names.

    "A <a@x>", "a@x (A)", '"B, C" <b@x>', "team: a@x, b@x;", an unterminated "<a@x",
    RFC 2047 display names. Entries without an address ("undisclosed-recipients:;")
    yield nothing. Linear: one regex tokenisation, one pass over the tokens.
    """
    boxes: list[Mailbox] = []
    words: list[str] = []
    comments: list[str] = []
    angle: list[str] | None = None
    address: str | None = None

    def flush() -> None:
        nonlocal angle, address
        if angle is not None and address is None:
            address = "".join(angle)
        if address is not None:
            spec = _SPACES.sub("", address.rpartition(":")[2])  # drop an obsolete route
            if spec:
                boxes.append(Mailbox(_display(words), spec))
        else:
            spec = _SPACES.sub("", "".join(words))
            if "@" in spec and '"' not in spec:
                boxes.append(Mailbox(_display(comments), spec))
        words.clear()
        comments.clear()
        angle = address = None

    for piece in _ADDRESS_TOKEN.findall(value):
        if len(boxes) >= _MAX_MAILBOXES:
            break
        if angle is not None and address is None:
            if piece == ">":
                address = "".join(angle)
            elif not piece.startswith("("):
                angle.append(piece)
        elif piece == "<":
            angle = []
        elif piece in (",", ";"):
            flush()
        elif piece == ":" and address is None and "@" not in "".join(words):
            words.clear()  # a group name
        elif piece.startswith("("):
            comments.append(piece[1:-1] if piece.endswith(")") else piece[1:])
        elif piece != ">" and address is None:
            words.append(piece)
    flush()
    return boxes


def parse_date(value: str) -> datetime | None:
    """The Date header as an aware datetime (UTC when the zone is missing), or None."""
    try:
        parsed = parsedate_to_datetime(value[:200])
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- HTML -------------------------------------------------------------------------------

_TAG = re.compile(r"/?([a-zA-Z][a-zA-Z0-9:-]*)")
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "xml"})
_SKIP_END = {name: re.compile(rf"</{name}\b", re.IGNORECASE) for name in _SKIPPED}
_PARAGRAPH = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr", "dl", "blockquote"}
)
_LINE = frozenset(
    {
        "div", "tr", "li", "section", "article", "header", "footer", "address", "dd", "dt",
        "center", "form", "fieldset", "tbody", "thead", "tfoot", "caption", "main", "nav",
    }
)  # fmt: skip
_CELL = frozenset({"td", "th"})
# Elements that open the quoted history (or the signature) in the HTML of common clients:
# Gmail, Yahoo, Thunderbird, Proton, Outlook on the web / new Outlook, Apple Mail.
_HISTORY_MARK = re.compile(
    r"""(?:class|id)\s*=\s*["']?[^"'>]{0,200}?\b(?:gmail_quote|gmail_extra|gmail_signature"""
    r"""|yahoo_quoted|moz-cite-prefix|moz-signature|protonmail_quote|divRplyFwdMsg"""
    r"""|appendonsend|mail-editor-reference-message-container|OutlookMessageHeader"""
    r"""|Signature|zmail_extra)\b|type\s*=\s*["']?cite\b""",
    re.IGNORECASE,
)
_MARKABLE = frozenset({"div", "blockquote", "table", "span", "pre", "p", "section"})
_LINE_SPACE = re.compile(r"[ \t\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_RUN = re.compile(r"\n(?:[ \t]*\n)+")


def _skip_to_end(source: str, name: str, pos: int) -> int:
    end = _SKIP_END[name].search(source, pos)
    if end is None:
        return len(source)
    close = source.find(">", end.end())
    return len(source) if close < 0 else close + 1


_LINE_EDGES = re.compile(r"[ \t]*\n[ \t]*")
_EMPTY_QUOTE_LINE = re.compile(r"^(?:> ?)+$", re.MULTILINE)


def _tidy(raw: str) -> str:
    """Collapse whitespace, trim lines, blank out quote-only lines, squeeze blank runs."""
    text = _LINE_EDGES.sub("\n", _LINE_SPACE.sub(" ", raw))
    text = _EMPTY_QUOTE_LINE.sub("", text)
    return _BLANK_RUN.sub("\n\n", text).strip(" \n")


class _Render:
    """The text being built from HTML, with the line breaks a browser would show.

    Block elements ask for a line start (or a blank line, for paragraphs) before the
    next visible text instead of emitting newlines, so nested and adjacent blocks
    do not pile up empty lines; `<br>` breaks the line at once. Lines inside
    blockquotes start with "> " per level.
    """

    __slots__ = ("bullet", "depth", "out", "pending", "pre", "trailing")

    def __init__(self) -> None:
        self.out: list[str] = []
        self.depth = 0  # blockquote nesting
        self.pre = 0  # <pre> nesting
        self.pending = 0  # newlines wanted before the next text: 1 line start, 2 blank line
        self.trailing = 0  # newlines at the end of `out`
        self.bullet = False

    def _newline(self) -> None:
        self.out.append("\n" + "> " * self.depth)
        self.trailing += 1

    def text(self, chunk: str) -> None:
        text = html.unescape(chunk)
        if not self.pre:
            text = text.replace("\r", " ").replace("\n", " ")
            if not text.strip():
                if not self.pending and not self.trailing:
                    self.out.append(" ")
                return
        for _ in range(self.pending - self.trailing if self.out else 0):
            self._newline()
        self.pending = 0
        if self.bullet:
            self.out.append("- ")
            self.bullet = False
        if self.pre:
            text = text.replace("\n", "\n" + "> " * self.depth)
        self.out.append(text)
        self.trailing = 0

    def element(self, name: str, *, closing: bool) -> None:
        if name == "blockquote":
            self.depth = max(0, self.depth - 1) if closing else self.depth + 1
        elif name == "pre":
            self.pre = max(0, self.pre - 1) if closing else self.pre + 1
        if name == "br":
            self._newline()
        elif name in _PARAGRAPH:
            self.pending = 2
        elif name in _LINE:
            self.pending = max(self.pending, 1)
            self.bullet = name == "li" and not closing
        elif name in _CELL and not closing:
            self.out.append(" ")

    def result(self) -> str:
        return _tidy("".join(self.out))


class HtmlText(NamedTuple):
    """The visible text of an HTML body, and the part of it above the quoted history."""

    text: str
    new_part: str  # up to the first history or signature marker; all of `text` without one


# A tag, a comment opener, or other markup: one C-level search per item.
_MARKUP = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)([^<>]*)>|<!--|<[!?][^<>]*>")


def html_to_text(source: str) -> HtmlText:
    """Visible text of an HTML body; blockquotes become "> " lines. Linear, never raises.

    `new_part` stops at the first element that opens the quoted history or a
    signature (Gmail `gmail_quote`, Outlook `divRplyFwdMsg`, Apple and Thunderbird
    `<blockquote type="cite">`, ...), for reply extraction; one pass gives both.
    Scripts, styles and the head are dropped; what an unterminated comment hides is
    dropped too, as a browser would. Each search resumes where the last one ended,
    and a tag cannot span a '<', so no input makes it rescan.
    """
    render = _Render()
    cut: int | None = None
    pos = 0
    size = len(source)
    while pos < size:
        found = _MARKUP.search(source, pos)
        if found is None:
            render.text(source[pos:])
            break
        if found.start() > pos:
            render.text(source[pos : found.start()])
        pos = found.end()
        name = found[2]
        if name is None:
            if found[0] == "<!--":
                end = source.find("-->", pos)
                pos = size if end < 0 else end + 3
            continue
        name = name.lower()
        closing = found[1] == "/"
        if closing:
            render.element(name, closing=True)
        elif name in _SKIPPED:
            pos = _skip_to_end(source, name, pos)
        else:
            if cut is None and name in _MARKABLE and _HISTORY_MARK.search(found[3][:2000]):
                cut = len(render.out)
            render.element(name, closing=False)
    text = render.result()
    new_part = text if cut is None else _tidy("".join(render.out[:cut]))
    return HtmlText(text, new_part)


# --- previews ---------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_WORD = re.compile(r"\S+")


def preview(text: str, size: int = 200) -> str:
    """The first `size` characters of `text`, whitespace collapsed, cut at a word boundary."""
    words: list[str] = []
    length = -1
    for match in _WORD.finditer(text):
        word = _INVISIBLE.sub("", match[0])
        if not word:
            continue
        words.append(word)
        length += len(word) + 1
        if length >= size:
            break
    flat = " ".join(words)
    if len(flat) <= size:
        return flat
    cut = flat.rfind(" ", 0, size + 1)
    return flat[: cut if cut >= size * 3 // 4 else size].rstrip()
