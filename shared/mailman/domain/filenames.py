"""File names as senders and callers give them: data to show, never a path or a header.

An attachment keeps its name exactly as given, and the API answers it so. What is derived
from it is derived under strict rules:

- an object key takes only its extension, and only when that is 1 to 10 of `[a-z0-9]`
  (`name_extension`);
- a download or an outgoing part is named by `download_name`: the last path segment, without
  control, format (bidirectional overrides and isolates among them) or line-separator
  characters, leading or trailing dots and spaces, at most 255 UTF-8 bytes;
- a download link says so in an RFC 6266 `Content-Disposition` whose `filename*` carries
  the download name in UTF-8 (RFC 8187) and whose `filename` is a plain ASCII fallback for
  clients that read only that (`content_disposition`).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_EXTENSION_LENGTH = 10
"""The longest extension an object key takes from a file's name."""
MAX_DOWNLOAD_NAME_BYTES = 255
"""The longest name (UTF-8) a download or an outgoing part is given: what file systems take."""
DEFAULT_NAME = "attachment"
"""The name of a file whose own name leaves nothing to show."""

_EXTENSION = re.compile(f"[a-z0-9]{{1,{MAX_EXTENSION_LENGTH}}}")
_SEPARATORS = re.compile(r"[/\\]")
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls, format characters (bidi marks, embeddings, overrides and isolates, zero-width
characters), surrogates, and line and paragraph separators."""
_FALLBACK_KEEPS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 !#$&'()+-.=@[]^_`{}~"
)
"""Printable ASCII but quotes, backslashes, path separators, `%` (which some clients decode),
and what file systems or parameter parsers stumble on (`,:;*?<>|`)."""
_ATTR_CHARS = "!#$&+-.^_`|~"
"""RFC 8187 attr-char besides letters and digits: left as they are in `filename*`."""


def _last_segment(filename: str) -> str:
    return _SEPARATORS.split(filename)[-1]


def _split_extension(segment: str) -> tuple[str, str]:
    """(stem, extension) at the last dot; a name that starts with its only dots is all stem."""
    stem, dot, extension = segment.rpartition(".")
    if not dot or not stem.strip("."):
        return segment, ""
    return stem, extension


def name_extension(filename: str | None) -> str | None:
    """The extension of the name's last path segment, in lower case, when it is 1 to 10 of
    `[a-z0-9]`; else None."""
    if not filename:
        return None
    _, extension = _split_extension(_last_segment(filename))
    if extension.isascii() and _EXTENSION.fullmatch(extension.lower()):
        return extension.lower()
    return None


def safe_extension(extension: str | None) -> str | None:
    """`extension` (without its dot) if an object key may carry it, else None."""
    return extension if extension and _EXTENSION.fullmatch(extension) else None


def _cut(name: str) -> str:
    """`name` within `MAX_DOWNLOAD_NAME_BYTES`, its extension kept."""
    if len(name.encode()) <= MAX_DOWNLOAD_NAME_BYTES:
        return name
    suffix = "." + name.rpartition(".")[2] if name_extension(name) else ""
    stem = name[: len(name) - len(suffix)]
    room = MAX_DOWNLOAD_NAME_BYTES - len(suffix)
    return stem.encode()[:room].decode(errors="ignore").rstrip(" .") + suffix


def download_name(filename: str | None) -> str:
    """The name a download or an outgoing part is given: never empty, never a path."""
    segment = _last_segment(filename or "")
    shown = "".join(c for c in segment if unicodedata.category(c) not in _HIDDEN)
    shown = _cut(shown.strip(" ."))
    return shown or DEFAULT_NAME


def _ascii(text: str) -> str:
    """`text` in the fallback's characters: accents dropped, anything else one `_` a run."""
    out: list[str] = []
    replaced = False
    for c in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(c):
            continue
        if c in _FALLBACK_KEEPS:
            out.append(c)
            replaced = False
        elif not replaced:
            out.append("_")
            replaced = True
    return "".join(out).strip(" ._")


def ascii_fallback(name: str) -> str:
    """A plain ASCII stand-in for a download name, for clients that ignore `filename*`."""
    stem, extension = _split_extension(name)
    if not (extension.isascii() and extension.isalnum()):
        stem, extension = name, ""
    kept = _ascii(stem)
    if not any(c.isalnum() for c in kept):
        kept = DEFAULT_NAME
    return f"{kept}.{extension}" if extension else kept


def content_disposition(filename: str | None) -> str:
    """The `Content-Disposition` of a download: always an attachment (never shown inline),
    named per RFC 6266 when the file has a name."""
    if filename is None:
        return "attachment"
    name = download_name(filename)
    encoded = quote(name, safe=_ATTR_CHARS, encoding="utf-8")
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"
