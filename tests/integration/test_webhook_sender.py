"""`HttpxSender` over real sockets, against receivers on 127.0.0.1 that stop with their test:
where the connection goes, what the receiver sees, what is not followed, the whole attempt's
time bound, what is kept of an answer, connection reuse, and TLS checked against the name.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailman.adapters.http import HttpxSender
from mailman.domain.webhook_work import HttpFailure, PinnedRequest
from mailman.domain.webhooks import RESPONSE_BODY_KEPT

NAME = "receiver.test"
"""A name no resolver knows: a request that reaches the receiver was not looked up."""
TRICKLE_SECONDS = 0.1


@dataclass
class Seen:
    """What the receiver saw: each request, and each connection it was made on."""

    requests: list[dict[str, str]] = field(default_factory=list)
    connections: int = 0
    server_names: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle kept-alive connection's thread ends by itself
    seen: Seen

    def setup(self) -> None:
        super().setup()
        with self.seen.lock:
            self.seen.connections += 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.seen.lock:
            self.seen.requests.append(
                {
                    "path": self.path,
                    "host": self.headers.get("Host", ""),
                    "local": self.connection.getsockname()[0],
                    "body": body.decode(),
                    "signature": self.headers.get("webhook-signature", ""),
                    "accept-encoding": self.headers.get("Accept-Encoding", ""),
                }
            )
        route = {
            "/ok": lambda: self._answer(200, b"ok"),
            "/redirect": lambda: self._answer(302, b"", Location="/ok"),
            "/busy": lambda: self._answer(429, b"slow down", **{"Retry-After": "7"}),
            "/big": lambda: self._answer(200, b"y" * 100_000),
            "/slow-body": self._slow_body,
            "/slow-headers": self._slow_headers,
        }
        route.get(self.path.split("?")[0], lambda: self._answer(404, b"no"))()

    def _answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, data: bytes) -> None:
        """One byte at a time: each read of the client's gets something well within any
        per-read timeout, so only a bound on the whole attempt stops it."""
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(TRICKLE_SECONDS)
        except OSError:
            self.close_connection = True

    def _slow_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "50")
        self.end_headers()
        self.wfile.flush()
        self._trickle(b"x" * 50)

    def _slow_headers(self) -> None:
        self._trickle(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"p" * 50 + b"\r\n")
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        return


@dataclass
class Server:
    port: int
    seen: Seen


def _serve(
    address: str = "127.0.0.1", context: ssl.SSLContext | None = None
) -> tuple[ThreadingHTTPServer, Server]:
    seen = Seen()
    handler = type("BoundReceiver", (Receiver,), {"seen": seen})
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    server_class = type(
        "Server",
        (ThreadingHTTPServer,),
        # A client that hangs up mid-answer is what some tests do: nothing to print.
        {"address_family": family, "handle_error": lambda *_: None},
    )
    server = server_class((address, 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, Server(server.server_address[1], seen)


@pytest.fixture
def receiver() -> Iterator[Server]:
    server, info = _serve()
    yield info
    server.shutdown()
    server.server_close()


@pytest.fixture
def sender() -> Iterator[HttpxSender]:
    made = HttpxSender()
    yield made
    made.close()


def _request(
    port: int,
    path: str = "/ok",
    *,
    host: str = NAME,
    address: str = "127.0.0.1",
    scheme: str = "http",
    timeout: float = 5.0,
) -> PinnedRequest:
    return PinnedRequest(
        scheme=scheme,
        host=host,
        port=port,
        target=path,
        address=address,
        headers=(("content-type", "application/json"), ("webhook-signature", "v1,abc")),
        body=b'{"type":"webhook.test"}',
        timeout_seconds=timeout,
    )


def test_the_host_header_carries_the_name_and_the_connection_goes_to_the_pinned_address(
    receiver: Server, sender: HttpxSender
) -> None:
    answer = sender.post(_request(receiver.port, "/ok?x=1"))

    assert (answer.status_code, answer.body) == (200, b"ok")
    [seen] = receiver.seen.requests
    assert seen["host"] == f"{NAME}:{receiver.port}"
    assert seen["local"] == "127.0.0.1"
    assert seen["path"] == "/ok?x=1"
    assert seen["body"] == '{"type":"webhook.test"}'
    assert seen["signature"] == "v1,abc"
    assert seen["accept-encoding"] == "identity"


def test_a_target_with_spaces_or_other_scripts_is_sent_percent_encoded(
    receiver: Server, sender: HttpxSender
) -> None:
    sender.post(_request(receiver.port, "/ok?name=caf\u00e9 au lait&x=%2F"))

    assert receiver.seen.requests[0]["path"] == "/ok?name=caf%C3%A9%20au%20lait&x=%2F"


def test_a_redirect_is_answered_not_followed(receiver: Server, sender: HttpxSender) -> None:
    answer = sender.post(_request(receiver.port, "/redirect"))

    assert answer.status_code == 302
    assert answer.location == "/ok"
    assert [r["path"] for r in receiver.seen.requests] == ["/redirect"]


def test_retry_after_is_passed_on(receiver: Server, sender: HttpxSender) -> None:
    answer = sender.post(_request(receiver.port, "/busy"))

    assert (answer.status_code, answer.retry_after, answer.body) == (429, "7", b"slow down")


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_at_the_total_bound(
    receiver: Server, sender: HttpxSender, path: str
) -> None:
    started = time.monotonic()

    with pytest.raises(HttpFailure, match=r"timed out after 0\.6 s"):
        sender.post(_request(receiver.port, path, timeout=0.6))

    assert 0.55 <= time.monotonic() - started < 1.2


def test_only_the_first_4_kb_of_an_answer_are_kept(receiver: Server, sender: HttpxSender) -> None:
    answer = sender.post(_request(receiver.port, "/big"))

    assert answer.status_code == 200
    assert answer.body == b"y" * RESPONSE_BODY_KEPT


def test_a_refused_connection_is_an_http_failure(sender: HttpxSender) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` now.

    with pytest.raises(HttpFailure, match=f"could not connect to 127.0.0.1 port {port}"):
        sender.post(_request(port))


def test_connections_are_kept_alive_and_reused(receiver: Server, sender: HttpxSender) -> None:
    answers = [sender.post(_request(receiver.port)).status_code for _ in range(5)]

    assert answers == [200] * 5
    assert receiver.seen.connections == 1


def test_two_names_on_one_address_never_share_a_connection(
    receiver: Server, sender: HttpxSender
) -> None:
    for _ in range(3):
        sender.post(_request(receiver.port, host="a.test"))
        sender.post(_request(receiver.port, host="b.test"))

    assert receiver.seen.connections == 2
    hosts = [r["host"].split(":")[0] for r in receiver.seen.requests]
    assert hosts == ["a.test", "b.test"] * 3


def test_a_connection_whose_answer_was_cut_is_not_reused(
    receiver: Server, sender: HttpxSender
) -> None:
    sender.post(_request(receiver.port, "/big"))
    sender.post(_request(receiver.port, "/ok"))

    assert receiver.seen.connections == 2


def test_an_ipv6_address_is_connected_to(sender: HttpxSender) -> None:
    try:
        server, info = _serve("::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        answer = sender.post(_request(info.port, address="::1"))
    finally:
        server.shutdown()
        server.server_close()

    assert answer.status_code == 200
    assert info.seen.requests[0]["local"] == "::1"
    assert info.seen.requests[0]["host"] == f"{NAME}:{info.port}"


# --- TLS -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    """A certificate authority made for the test, and a certificate it signed for `NAME`
    only (no address in it)."""

    ca_pem: bytes
    cert_file: Path
    key_file: Path


def _authority(folder: Path) -> Authority:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mailman test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = folder / "receiver.pem", folder / "receiver.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Authority(ca.public_bytes(serialization.Encoding.PEM), cert_file, key_file)


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[Server, Authority]]:
    authority = _authority(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(authority.cert_file, authority.key_file)
    seen_names: list[str | None] = []

    def record(_: ssl.SSLObject, name: str | None, __: ssl.SSLContext) -> None:
        seen_names.append(name)

    context.sni_callback = record
    server, info = _serve(context=context)
    info.seen.server_names = seen_names
    yield info, authority
    server.shutdown()
    server.server_close()


def _trusting(authority: Authority) -> HttpxSender:
    return HttpxSender(ssl_context=ssl.create_default_context(cadata=authority.ca_pem.decode()))


def test_tls_is_checked_against_the_name_not_the_address(
    tls_receiver: tuple[Server, Authority],
) -> None:
    receiver, authority = tls_receiver
    sender = _trusting(authority)

    try:
        answer = sender.post(_request(receiver.port, scheme="https"))
    finally:
        sender.close()

    # The certificate names receiver.test and no address: had it been checked against
    # 127.0.0.1, the handshake would have failed.
    assert answer.status_code == 200
    assert receiver.seen.server_names == [NAME]
    assert receiver.seen.requests[0]["host"] == f"{NAME}:{receiver.port}"


def test_a_certificate_for_another_name_on_the_same_address_is_refused(
    tls_receiver: tuple[Server, Authority],
) -> None:
    receiver, authority = tls_receiver
    sender = _trusting(authority)

    try:
        with pytest.raises(HttpFailure, match=r"certificate of other\.test is not valid"):
            sender.post(_request(receiver.port, host="other.test", scheme="https"))
    finally:
        sender.close()

    assert receiver.seen.requests == []


def test_a_certificate_no_trusted_authority_signed_is_refused(
    tls_receiver: tuple[Server, Authority], sender: HttpxSender
) -> None:
    receiver, _ = tls_receiver

    with pytest.raises(HttpFailure, match=r"certificate of receiver\.test is not valid"):
        sender.post(_request(receiver.port, scheme="https"))

    assert receiver.seen.requests == []


def test_tls_connections_are_reused_per_name(tls_receiver: tuple[Server, Authority]) -> None:
    receiver, authority = tls_receiver
    sender = _trusting(authority)

    try:
        statuses = [sender.post(_request(receiver.port, scheme="https")).status_code for _ in "abc"]
    finally:
        sender.close()

    assert statuses == [200, 200, 200]
    assert receiver.seen.connections == 1
    assert receiver.seen.server_names == [NAME]


def test_past_its_pool_limit_the_least_recently_used_receiver_is_not_kept(
    receiver: Server,
) -> None:
    sender = HttpxSender(max_pools=1)

    try:
        for host in ("a.test", "b.test", "a.test", "a.test"):
            sender.post(_request(receiver.port, host=host))
    finally:
        sender.close()

    # a.test's pool went when b.test took the only place, and b.test's in turn.
    assert receiver.seen.connections == 3
