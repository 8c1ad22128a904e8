"""`HttpxSender`: the webhook dispatcher's HTTP client, on httpcore (httpx's own engine).

httpcore is used directly rather than through `httpx.Client` because only there can a
network backend be given: the one here bounds every socket operation by what is left of the
attempt's time, so `timeout_seconds` is the whole attempt's bound (connect, TLS, sending,
headers and body together), not each phase's (a receiver that answers a byte at a time
cannot hold a dispatcher past it).

- The connection goes to `PinnedRequest.address` and nowhere else: the URL carries the
  address, the backend refuses to connect to anything but an address (no lookup here), the
  `Host` header carries the name, and so does TLS (SNI, and the certificate is checked
  against the name).
- `timeout_seconds` is what the dispatcher has left of the attempt once the secrets are
  opened and the name looked up, so it is rarely a round figure.
- Redirects are not followed (httpcore never does).
- Connections are kept alive and reused, each pool keyed by (scheme, host, address, port):
  two names on one address never share a connection (nor a TLS session made for the other).
- At most `RESPONSE_BODY_KEPT` bytes of an answer are read (no `Accept-Encoding`, so what is
  read is what was sent); a connection whose answer was not read to its end is closed.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpcore
import httpx

from mailman.domain.webhook_work import HttpAnswer, HttpFailure, PinnedRequest
from mailman.domain.webhooks import RESPONSE_BODY_KEPT

_deadline: ContextVar[float | None] = ContextVar("webhook_attempt_deadline", default=None)
"""When (`time.monotonic()`) the attempt running in this thread must be over."""

_FAILURES = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    UnicodeEncodeError,
)
_PHASES: dict[type[Exception], str] = {
    httpcore.ConnectTimeout: "connecting",
    httpcore.WriteTimeout: "sending the request",
    httpcore.ReadTimeout: "waiting for the answer",
    httpcore.PoolTimeout: "waiting for a free connection",
}
_TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"
"""What stays as written in the request target; anything else (spaces, non-ASCII) is
percent-encoded."""

PoolKey = tuple[str, str, str, int]


class HttpxSender:
    """`HttpSender` over pooled keep-alive connections; safe to share between threads.

    `ssl_context` is the trust (httpx's default, certifi's authorities, when None);
    `max_pools` bounds the receivers (scheme, host, address, port) kept connections to, the
    least recently used dropped first; `connections_per_pool` the connections to one
    receiver (so at most their product of sockets stay open: well inside Lambda's 1,024
    descriptors); `keepalive_expiry` how long an idle connection is kept (under the 5 s many
    servers close theirs at, so a reused connection is rarely one the receiver just shut)."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_pools: int = 64,
        connections_per_pool: int = 10,
        keepalive_expiry: float = 4.0,
    ) -> None:
        context = ssl_context or httpx.create_ssl_context()

        def new_pool() -> httpcore.ConnectionPool:
            return httpcore.ConnectionPool(
                ssl_context=context,
                max_connections=connections_per_pool,
                max_keepalive_connections=connections_per_pool,
                keepalive_expiry=keepalive_expiry,
                http1=True,
                http2=False,
                retries=0,
                network_backend=_DeadlineBackend(),
            )

        self._pools = _Pools(new_pool, max_pools)

    def post(self, request: PinnedRequest) -> HttpAnswer:
        token = _deadline.set(time.monotonic() + request.timeout_seconds)
        try:
            with self._pools.borrow(_key(request)) as pool:
                return _exchange(pool, request)
        except _FAILURES as exc:
            raise HttpFailure(_describe(exc, request)) from exc
        finally:
            _deadline.reset(token)

    def close(self) -> None:
        self._pools.close()


def _key(request: PinnedRequest) -> PoolKey:
    return (request.scheme, request.host, request.address, request.port)


def _exchange(pool: httpcore.ConnectionPool, request: PinnedRequest) -> HttpAnswer:
    url = httpcore.URL(
        scheme=request.scheme.encode("ascii"),
        host=request.address.encode("ascii"),
        port=request.port,
        target=quote(request.target, safe=_TARGET_SAFE).encode("ascii"),
    )
    headers = [
        (b"Host", _authority(request).encode("ascii")),
        *((name.encode("ascii"), value.encode("ascii")) for name, value in request.headers),
        (b"Accept-Encoding", b"identity"),
    ]
    timeout = request.timeout_seconds
    extensions: dict[str, Any] = {
        "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout},
        "sni_hostname": request.host,
    }
    with pool.stream(
        "POST", url, headers=headers, content=request.body, extensions=extensions
    ) as response:
        body = _read_kept(response.iter_stream())
        return HttpAnswer(
            status_code=response.status,
            retry_after=_header(response.headers, b"retry-after"),
            body=body,
            location=_header(response.headers, b"location"),
        )


def _authority(request: PinnedRequest) -> str:
    host = f"[{request.host}]" if ":" in request.host else request.host
    default = 443 if request.scheme == "https" else 80
    return host if request.port == default else f"{host}:{request.port}"


def _read_kept(chunks: Iterable[bytes]) -> bytes:
    kept = bytearray()
    for chunk in chunks:
        kept += chunk
        if len(kept) >= RESPONSE_BODY_KEPT:
            break
    return bytes(kept[:RESPONSE_BODY_KEPT])


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _describe(exc: Exception, request: PinnedRequest) -> str:
    """A short reason for the delivery log."""
    if isinstance(exc, httpcore.TimeoutException):
        phase = next((p for kind, p in _PHASES.items() if isinstance(exc, kind)), "the attempt")
        return f"timed out after {round(request.timeout_seconds, 1):g} s ({phase})"
    # httpcore's pool raises "from None": what failed underneath is the context.
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLError):
        return _tls_failure(cause, request.host)
    if isinstance(exc, httpcore.ConnectError):
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else exc
        return f"could not connect to {request.address} port {request.port}: {reason}"
    if isinstance(exc, httpcore.RemoteProtocolError):
        return f"the receiver's answer is not HTTP/1.1: {exc}"
    if isinstance(exc, httpcore.NetworkError):
        return f"the connection to {request.address} failed: {exc}"
    return f"the request could not be made: {exc}"


def _tls_failure(error: ssl.SSLError, host: str) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS: the certificate of {host} is not valid: {error.verify_message}"
    return f"TLS handshake with {host} failed: {error.reason or error}"


@dataclass
class _Entry:
    pool: httpcore.ConnectionPool
    users: int = 0
    retired: bool = False


class _Pools:
    """Connection pools by receiver, the least recently used closed past `limit` (once no
    request is using it)."""

    def __init__(self, new: Callable[[], httpcore.ConnectionPool], limit: int) -> None:
        self._new = new
        self._limit = limit
        self._lock = threading.Lock()
        self._entries: OrderedDict[PoolKey, _Entry] = OrderedDict()

    @contextmanager
    def borrow(self, key: PoolKey) -> Iterator[httpcore.ConnectionPool]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(self._new())
            self._entries.move_to_end(key)
            entry.users += 1
            idle = self._retire_oldest()
        for pool in idle:
            pool.close()
        try:
            yield entry.pool
        finally:
            with self._lock:
                entry.users -= 1
                done = entry.retired and entry.users == 0
            if done:
                entry.pool.close()

    def _retire_oldest(self) -> list[httpcore.ConnectionPool]:
        idle = []
        while len(self._entries) > self._limit:
            _, oldest = self._entries.popitem(last=False)
            oldest.retired = True
            if oldest.users == 0:
                idle.append(oldest.pool)
        return idle

    def close(self) -> None:
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            entry.retired = True
            if entry.users == 0:
                entry.pool.close()


def _left(timeout: float | None, expired: type[Exception]) -> float:
    """The time a socket operation may take: what is left of the attempt's (and no more
    than `timeout`); `expired` raised when nothing is left."""
    deadline = _deadline.get()
    if deadline is None:
        if timeout is None:
            raise expired("no time limit was set")
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("timed out")
    return left if timeout is None else min(timeout, left)


@contextmanager
def _mapped(timed_out: type[Exception], failed: type[Exception]) -> Iterator[None]:
    try:
        yield
    except TimeoutError as exc:
        raise timed_out(str(exc) or "timed out") from exc
    except OSError as exc:
        raise failed(str(exc) or type(exc).__name__) from exc


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every call takes at most what is left of the attempt's time (a TLS
    socket's handshake, read and write each hold their timeout as one deadline)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            self._sock.settimeout(_left(timeout, httpcore.ReadTimeout))
            return self._sock.recv(max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            while view:
                self._sock.settimeout(_left(timeout, httpcore.WriteTimeout))
                view = view[self._sock.send(view) :]

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
                self._sock.settimeout(_left(timeout, httpcore.ConnectTimeout))
                wrapped = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except BaseException:
            self._sock.close()
            raise
        return _DeadlineStream(wrapped)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._sock)
        if info == "ssl_object":
            return self._sock if isinstance(self._sock, ssl.SSLSocket) else None
        if info == "socket":
            return self._sock
        return None


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the receiver closed it (or broke
    HTTP), so it is not reused."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _DeadlineBackend(httpcore.NetworkBackend):
    """Connects to an address, never a name, within what is left of the attempt's time."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            message = f"{host} is not an address: nothing is resolved here"
            raise httpcore.ConnectError(message) from None
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(_left(timeout, httpcore.ConnectTimeout))
                sock.connect((str(address), port))
        except BaseException:
            sock.close()
            raise
        return _DeadlineStream(sock)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.UnsupportedProtocol("webhooks go over TCP only")
