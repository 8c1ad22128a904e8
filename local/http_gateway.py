"""An API Gateway emulator: real HTTP in, REST proxy events to the handler, real HTTP out.

Each API request is one line on the console (`local.terminal.request_line`); the web
console's own pages (`local.console`, which poll) are not. A client that leaves before its
request is read or its answer written is a note on that line, not a traceback.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from functions.api.budget import MAX_LAMBDA_RESPONSE_BYTES
from local.apigw import LambdaContext, ProxyResult, proxy_event
from local.console import Console, ConsoleRequest
from local.terminal import request_line, say

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

# API Gateway refuses payloads over 10 MB before the function sees them.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
# Lambda takes a synchronous invocation's event of at most 6 MiB (as JSON) and hands back a
# response of at most 6 MiB + 100 bytes; past either, API Gateway answers an error of its own.
MAX_EVENT_BYTES = 6_291_456
INTERNAL_ERROR = b'{"message": "Internal server error"}'
TRACE_HEADER = "X-Trace-Id"
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
"""What reading from or writing to a client that has left raises."""


class ApiGateway(ThreadingHTTPServer):
    """Serves `handler` on `address`; one invocation at a time, as one Lambda container.
    Paths under `/console` go to the local web console instead, when there is one."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: Handler,
        function_name: str,
        console: Console | None = None,
    ) -> None:
        super().__init__(address, _RequestHandler)
        self.handler = handler
        self.function_name = function_name
        self.console = console
        self.invoke_lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> ProxyResult:
        """Call the function as API Gateway does, with Lambda's limits on what goes each way:
        an event too large never reaches it (500), a response too large never comes back (502),
        and a function that fails is a 502 too."""
        if len(json.dumps(event, ensure_ascii=False).encode()) > MAX_EVENT_BYTES:
            return _gateway_error(HTTPStatus.INTERNAL_SERVER_ERROR)
        with self.invoke_lock:
            try:
                result = self.handler(event, LambdaContext(self.function_name))
            except Exception:
                # Lambda logs the function's error with its stack; API Gateway answers 502.
                traceback.print_exc()
                return _gateway_error(HTTPStatus.BAD_GATEWAY)
        if len(json.dumps(result)) > MAX_LAMBDA_RESPONSE_BYTES:
            return _gateway_error(HTTPStatus.BAD_GATEWAY)
        return ProxyResult.of(result)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left between requests (a reset while the next one was awaited) is
        no error: its requests had their lines. Anything else is, with its traceback."""
        if not isinstance(sys.exc_info()[1], CLIENT_GONE):
            super().handle_error(request, client_address)


def _gateway_error(status: HTTPStatus) -> ProxyResult:
    return ProxyResult(int(status), [("Content-Type", "application/json")], INTERNAL_ERROR)


class _RequestHandler(BaseHTTPRequestHandler):
    server: ApiGateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _handle(self) -> None:
        started = time.monotonic()
        result: ProxyResult | None = None
        gone = False
        try:
            result = self._answer()
            if result is not None:
                self._reply(result)
        except CLIENT_GONE:
            gone = True
        if result is None or gone:
            self.close_connection = True
        if self._for_console():
            return
        say(
            "API",
            request_line(
                self.command,
                urlsplit(self.path).path or "/",
                None if result is None else result.status,
                (time.monotonic() - started) * 1000,
                None if result is None else result.header(TRACE_HEADER),
                gone=result is None or gone,
            ),
        )

    def _answer(self) -> ProxyResult | None:
        """The answer to the request, or None when its client left before sending it whole."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            # Its body is left unread: the connection cannot carry another request.
            self.close_connection = True
            return ProxyResult(
                413, [("Content-Type", "application/json")], b'{"message":"Request Too Long"}'
            )
        body = self.rfile.read(length) if length else None
        if body is not None and len(body) < length:
            return None
        url = urlsplit(self.path)
        console = self.server.console
        if console is not None and console.serves(url.path):
            return console.respond(self._console_request(url.path, url.query, body))
        event = proxy_event(
            self.command,
            url.path or "/",
            query=url.query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        return self.server.invoke(event)

    def _for_console(self) -> bool:
        """A request of the web console's pages (which poll every second): no line of its own."""
        console = self.server.console
        return console is not None and console.serves(urlsplit(self.path).path)

    def _console_request(self, path: str, query: str, body: bytes | None) -> ConsoleRequest:
        headers = {name.lower(): value for name, value in self.headers.items()}
        return ConsoleRequest(self.command, path, query, headers, body or b"")

    def _reply(self, result: ProxyResult) -> None:
        self.send_response(result.status)
        for name, value in result.headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(result.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle
