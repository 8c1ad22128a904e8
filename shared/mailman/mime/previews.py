"""Previews: the first visible characters of a text, whitespace collapsed.

Linear and total, as every text function of the package (see `mailman.domain.charsets`).
"""

from __future__ import annotations

import re

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
