"""A local webhook receiver: an HTTP/1.1 server on 127.0.0.1 that takes deliveries, verifies
each with the `standardwebhooks` package (the independent verifier a customer would use, not
Mailman's own signing code) and keeps what it received.

`mailman webhooks listen` prints each delivery; the end-to-end tests and the webhook benchmark
start one to receive deliveries and script its answers (`fail_first(3)`: three 500s, then the
usual answer) to watch retries happen.

Unless scripted, it answers 204 to a delivery that verifies (to any delivery when it has no
secret), 400 to one that does not, 405 to anything but POST and 413 to a body larger than it
takes. Connections are kept open between requests (HTTP/1.1), so a sender that reuses them can.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

HOST = "127.0.0.1"
MAX_BODY_BYTES = 1_048_576
"""Larger than any body Mailman sends (128 KB), small enough to refuse a runaway sender."""
IDLE_SECONDS = 30.0
"""How long a kept-open connection may sit idle before the receiver closes it."""
SUMMARY_WIDTH = 100
POLL_SECONDS = 0.05
"""How often the serving loop looks for a stop: `stop()` returns within about this."""


@dataclass(frozen=True)
class Answer:
    """What the receiver answers one delivery: a status, a body, headers, after a delay."""

    status: int = 204
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay_seconds: float = 0.0
    """Wait this long before answering (a slow receiver; a sender's timeout)."""


def fail_first(count: int, status: int = 500, *, retry_after: str | None = None) -> list[Answer]:
    """A script: answer the first `count` deliveries with `status` (and `Retry-After`)."""
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return [Answer(status, b"failing on purpose", headers)] * count


@dataclass(frozen=True)
class Received:
    """One request as it arrived, whether it verified, and what it was answered."""

    at: float
    """When it arrived (`time.time()`)."""
    method: str
    path: str
    headers: dict[str, str]
    """Names lower-cased."""
    body: bytes
    verified: bool | None
    """None when the receiver had no secret to verify with."""
    error: str | None
    """Why it did not verify."""
    status: int

    @property
    def webhook_id(self) -> str | None:
        return self.headers.get("webhook-id")

    @property
    def payload(self) -> dict[str, Any] | None:
        """The body as a JSON object; None when it is not one."""
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    @property
    def type(self) -> str | None:
        payload = self.payload
        kind = payload.get("type") if payload else None
        return kind if isinstance(kind, str) else None

    def summary(self) -> str:
        """A short line about what the delivery says: a message's sender, subject and status,
        or the event's first few plain fields."""
        payload = self.payload or {}
        data = payload.get("data")
        if not isinstance(data, dict):
            return ""
        message = data.get("message")
        if isinstance(message, dict):
            text = _message_summary(message)
        else:
            text = " ".join(
                f"{k}={v}" for k, v in data.items() if isinstance(v, str | int | float | bool)
            )
        return text if len(text) <= SUMMARY_WIDTH else text[: SUMMARY_WIDTH - 3] + "..."


def _address(party: Any) -> str:
    address = party.get("address") if isinstance(party, dict) else party
    return str(address or "?")


def _message_summary(message: dict[str, Any]) -> str:
    """`from -> first recipient (+ how many more) "subject" status=...`."""
    parts = [_address(message.get("from"))]
    to = message.get("to")
    if isinstance(to, list) and to:
        more = f" +{len(to) - 1}" if len(to) > 1 else ""
        parts.append(f"-> {_address(to[0])}{more}")
    parts.append(json.dumps(message.get("subject") or "", ensure_ascii=False))
    if message.get("status"):
        parts.append(f"status={message['status']}")
    return " ".join(parts)


def verify(secrets: Sequence[str], body: bytes, headers: dict[str, str]) -> tuple[bool, str | None]:
    """Whether `body` and `headers` verify under any of `secrets` (a receiver mid-rotation
    knows two), and why not."""
    error = "no secret to verify with"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers, json_parse=False)
        except WebhookVerificationError as exc:
            error = str(exc)
        except ValueError as exc:  # a secret that is not base64
            error = f"unusable secret: {exc}"
        else:
            return True, None
    return False, error


class WebhookReceiver:
    """Receives webhooks on 127.0.0.1 until stopped (`with WebhookReceiver(...) as r:`)."""

    def __init__(
        self,
        secrets: Sequence[str] = (),
        *,
        port: int = 0,
        script: Iterable[Answer] = (),
        on_receive: Callable[[Received], None] | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.secrets: tuple[str, ...] = tuple(secrets)
        """The secrets deliveries are verified with; may be set once the endpoint exists."""
        self._script: deque[Answer] = deque(script)
        self._on_receive = on_receive
        self.max_body_bytes = max_body_bytes
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._server = _Server((HOST, port), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="webhook-receiver",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def received(self) -> list[Received]:
        """What arrived so far, oldest first (a copy)."""
        with self._changed:
            return list(self._received)

    def script(self, answers: Iterable[Answer]) -> None:
        """Answer the next deliveries with `answers`, in order, then as usual."""
        with self._changed:
            self._script.extend(answers)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        """What arrived, once at least `count` deliveries have; TimeoutError if they do not
        within `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout):
                raise TimeoutError(
                    f"{len(self._received)} of {count} webhooks arrived in {timeout}s"
                )
            return list(self._received)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection, kept-open ones too."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
        self._server.close_connections()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _answer_for(self, verified: bool | None) -> Answer:
        with self._changed:
            if self._script:
                return self._script.popleft()
        return Answer(400, b"signature did not verify") if verified is False else Answer()

    def accept(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        """Verify and keep one request (the server's handler calls this); answer what it is
        to be answered, once any delay it asks for has passed."""
        secrets = self.secrets
        verified, error = verify(secrets, body, headers) if secrets else (None, None)
        answer = self._answer_for(verified)
        received = Received(
            at=time.time(),
            method=method,
            path=path,
            headers=headers,
            body=body,
            verified=verified,
            error=error,
            status=answer.status,
        )
        with self._changed:
            self._received.append(received)
            self._changed.notify_all()
        if self._on_receive is not None:
            self._on_receive(received)
        if answer.delay_seconds:
            self._stopping.wait(answer.delay_seconds)
        return answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    """Connections waiting to be accepted: a sender opening many at once is not reset."""

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], receiver: WebhookReceiver
    ) -> None:
        self.receiver = receiver
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue  # the other side closed it already


class _BodyTooLarge(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        self.server.closed(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the receiver's owner prints what it wants from `on_receive`."""

    def do_POST(self) -> None:
        receiver = self.server.receiver
        try:
            body = self._body(receiver.max_body_bytes)
        except _BodyTooLarge:
            self._send(Answer(413, b"body too large"), close=True)
            return
        except ValueError:
            self._send(Answer(400, b"malformed body framing"), close=True)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._send(receiver.accept("POST", self.path, headers, body))

    def _refuse_method(self) -> None:
        self._send(Answer(405, b"POST only", (("Allow", "POST"),)), close=True)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _refuse_method

    def _body(self, limit: int) -> bytes:
        """The request body, by `Content-Length` or chunked; `_BodyTooLarge` past `limit`."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._chunked(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > limit:
            raise _BodyTooLarge
        return self.rfile.read(length)

    def _chunked(self, limit: int) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            chunk = int(self.rfile.readline(64).split(b";", 1)[0].strip(), 16)
            if chunk < 0:
                raise ValueError("negative chunk size")
            if chunk == 0:
                while self.rfile.readline(1024).strip():
                    continue  # trailers
                return b"".join(parts)
            size += chunk
            if size > limit:
                raise _BodyTooLarge
            parts.append(self.rfile.read(chunk))
            self.rfile.readline(8)

    def _send(self, answer: Answer, *, close: bool = False) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        if answer.status != 204:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(answer.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if answer.status != 204 and self.command != "HEAD":
            self.wfile.write(answer.body)
