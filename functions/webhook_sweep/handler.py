"""Placeholder for the webhook sweep (in the VPC, once a minute), so the stack synthesises on
this branch; the real handler replaces it."""

from __future__ import annotations

from typing import Any

from functions.runtime import cached_container

container = cached_container()


def handler(event: dict[str, Any], context: Any) -> None:
    return None
