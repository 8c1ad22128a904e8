"""What a client outside the process reaches: moto served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture
def moto_server() -> Iterator[str]:
    """moto over real HTTP on a free port, serving the same (mocked) backends as the test: what
    a client following a presigned link reaches. Answers its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
