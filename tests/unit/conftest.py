"""Unit tests run without a network (a test here that opens a socket fails), and the
services' world lives in memory."""

from __future__ import annotations

import pytest

from .world import World, make_world


@pytest.fixture(autouse=True)
def _no_network(socket_disabled: None) -> None:
    """pytest-socket's guard, for every test in this directory (integration tests keep theirs)."""


@pytest.fixture
def world() -> World:
    return make_world()
