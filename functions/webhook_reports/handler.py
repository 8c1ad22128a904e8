"""Placeholder for the recorder of the webhook dispatcher's reports (in the VPC), so the stack
synthesises on this branch; the real handler replaces it."""

from __future__ import annotations

from typing import Any

from functions.runtime import cached_container

container = cached_container()


def handler(event: dict[str, Any], context: Any) -> None:
    return None
