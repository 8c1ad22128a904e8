"""HTML to text: the visible text of an HTML body, and its part above the quoted history.

One linear pass, total like every text function of the package (see
`mailman.domain.charsets`): each search resumes where the last one ended.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

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
