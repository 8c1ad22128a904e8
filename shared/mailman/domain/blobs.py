"""Objects for the blob store to write."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Blob:
    """One object to write: its key, its bytes and their content type."""

    key: str
    data: bytes
    content_type: str = "application/octet-stream"
