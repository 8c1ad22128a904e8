"""The local API Gateway holds the function to the limits it has in AWS, so tests see them,
and prints one line per request."""

from __future__ import annotations

import re
import threading
import time
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
        self.fails = False

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        if self.fails:
            raise RuntimeError("the function failed")
        headers = {"X-Trace-Id": event["requestContext"]["requestId"]}
        return {"statusCode": 200, "headers": headers, "body": "x" * self.size}


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


def _printed(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """What was printed (out, err) once the request's line is: the gateway prints it after
    it has answered, so the answer can reach the client first."""
    out, err = "", ""
    deadline = time.monotonic() + 5
    while "\n" not in out and time.monotonic() < deadline:
        captured = capsys.readouterr()
        out, err = out + captured.out, err + captured.err
        time.sleep(0.01)
    return out, err


def test_each_request_is_one_line_with_the_trace_id_the_function_answered(
    gateway: str, echo: Echo, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = httpx.get(f"{gateway}/inboxes", params={"q": "private words"}, timeout=30)

    trace = answer.headers["x-trace-id"]
    assert trace == echo.events[0]["requestContext"]["requestId"]
    [line] = _printed(capsys)[0].splitlines()
    assert re.fullmatch(rf"\d\d:\d\d:\d\d API  GET /inboxes 200 \d+ ms trace={trace}", line)


def test_a_function_that_fails_is_a_502_and_a_line_with_no_trace_id(
    gateway: str, echo: Echo, capsys: pytest.CaptureFixture[str]
) -> None:
    echo.fails = True

    answer = httpx.post(f"{gateway}/x", content=b"{}", timeout=30)

    assert answer.status_code == 502
    assert answer.json() == {"message": "Internal server error"}
    out, err = _printed(capsys)
    [line] = out.splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d API  POST /x 502 \d+ ms trace=-", line)
    assert "RuntimeError: the function failed" in err
