"""Unit tests run without a network: a test here that opens a socket fails."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_network(socket_disabled: None) -> None:
    """pytest-socket's guard, for every test in this directory (integration tests keep theirs)."""
