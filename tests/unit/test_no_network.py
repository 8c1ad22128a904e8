"""The guard of tests/unit/conftest.py holds: no socket can be opened and no name resolved."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketBlockedError


def test_a_unit_test_cannot_open_a_tcp_socket() -> None:
    with (
        pytest.raises(SocketBlockedError),
        pytest.warns(UserWarning, match=r"socket\.socket"),
    ):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_a_unit_test_cannot_resolve_a_name() -> None:
    with (
        pytest.raises(SocketBlockedError),
        pytest.warns(UserWarning, match=r"socket\.getaddrinfo"),
    ):
        socket.getaddrinfo("localhost", 80)
