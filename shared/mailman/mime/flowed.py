"""format=flowed (RFC 3676): soft-broken lines of a plain-text body joined again.

Linear: one pass over the lines.
"""

from __future__ import annotations

import re

_FLOWED_QUOTE = re.compile(r">*")


def unflow(text: str, *, delsp: bool) -> str:
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
