"""The local API Gateway holds the function to the limits it has in AWS, so tests see them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.http_gateway import ApiGateway


class Echo:
    """A function answering `size` bytes of body, and remembering the events it was given."""

    def __init__(self) -> None:
        self.size = 2
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {}, "body": "x" * self.size}


@pytest.fixture
def echo() -> Echo:
    return Echo()


@pytest.fixture
def gateway(echo: Echo) -> Iterator[str]:
    server = ApiGateway(("127.0.0.1", 0), echo, "echo")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_within_lambdas_limit_passes(gateway: str, echo: Echo) -> None:
    echo.size = 6_000_000

    answer = httpx.post(f"{gateway}/x", content=b"{}", timeout=30)

    assert answer.status_code == 200
    assert len(answer.content) == 6_000_000


def test_an_answer_over_lambdas_6_mb_is_a_502_without_the_data(gateway: str, echo: Echo) -> None:
    echo.size = 6_300_000

    answer = httpx.get(f"{gateway}/x", timeout=30)

    assert answer.status_code == 502
    assert answer.json() == {"message": "Internal server error"}


def test_a_request_over_lambdas_6_mb_never_reaches_the_function(gateway: str, echo: Echo) -> None:
    answer = httpx.post(f"{gateway}/x", content=b"a" * 6_300_000, timeout=30)

    assert answer.status_code == 500
    assert echo.events == []


def test_a_request_over_api_gateways_10_mb_is_413(gateway: str, echo: Echo) -> None:
    answer = httpx.post(f"{gateway}/x", content=b"a" * (10 * 1024 * 1024 + 1), timeout=30)

    assert answer.status_code == 413
    assert echo.events == []
