"""DMARC aggregate reports read from the files of a report mail, within hard limits
(a report mail is hostile input like any other). docs/dmarc.md ("Reading reports") tells
how; callers use only the names below.

Each name is imported from its module when first used, so the inbound function loads the
XML reader only when a report mail arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailman.lazy import exports

if TYPE_CHECKING:
    from mailman.dmarc.model import (
        DEFAULT_LIMITS,
        MAX_COMPRESSED_BYTES,
        MAX_EXPANSION_RATIO,
        MAX_RECORDS,
        MAX_XML_BYTES,
        MAX_ZIP_ENTRIES,
        Limits,
    )
    from mailman.dmarc.reading import read_reports

_MODULES = {
    "DEFAULT_LIMITS": "model",
    "Limits": "model",
    "MAX_COMPRESSED_BYTES": "model",
    "MAX_EXPANSION_RATIO": "model",
    "MAX_RECORDS": "model",
    "MAX_XML_BYTES": "model",
    "MAX_ZIP_ENTRIES": "model",
    "read_reports": "reading",
}

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_COMPRESSED_BYTES",
    "MAX_EXPANSION_RATIO",
    "MAX_RECORDS",
    "MAX_XML_BYTES",
    "MAX_ZIP_ENTRIES",
    "Limits",
    "read_reports",
]

__getattr__ = exports(__name__, _MODULES)
