"""MIME: inbound mail parsed within hard limits (hostile mail is normal input), outgoing
mail composed. docs/mime.md tells how; callers use only the names below.

Each name is imported from its module when first used, so the inbound function never
loads the composer, the outbound function never the parser, and the isolated worker
(`python -m mailman.mime.worker`, which imports this package first) starts with the
parser alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailman.lazy import exports

if TYPE_CHECKING:
    from mailman.mime.composing import compose
    from mailman.mime.headers import parse_date
    from mailman.mime.html_text import html_to_text
    from mailman.mime.model import (
        DEFAULT_LIMITS,
        Limits,
        ParsedAttachment,
        ParsedMail,
        QuarantineReason,
        ReplyText,
    )
    from mailman.mime.parsing import parse
    from mailman.mime.previews import preview

_MODULES = {
    "DEFAULT_LIMITS": "model",
    "Limits": "model",
    "ParsedAttachment": "model",
    "ParsedMail": "model",
    "QuarantineReason": "model",
    "ReplyText": "model",
    "compose": "composing",
    "html_to_text": "html_text",
    "parse": "parsing",
    "parse_date": "headers",
    "preview": "previews",
}

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "ParsedAttachment",
    "ParsedMail",
    "QuarantineReason",
    "ReplyText",
    "compose",
    "html_to_text",
    "parse",
    "parse_date",
    "preview",
]


__getattr__ = exports(__name__, _MODULES)
