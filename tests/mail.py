"""Mail for tests to receive: a small text message from Alice to the support inbox, each
part of it replaceable."""

from __future__ import annotations


def make_mail(
    *,
    to: str = "support@example.com",
    message_id: str = "<m1@elsewhere.example>",
    extra: str = "",
    subject: str = "Order 1234",
    body: str = "Hello, where is my order?",
) -> bytes:
    return (
        f"From: Alice <alice@elsewhere.example>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Sat, 21 Nov 2026 11:00:00 +0000\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()
