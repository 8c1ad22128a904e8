"""What `make dev` prints while it runs: one line per API request and per mail received or
sent, no traceback for a client that leaves, the functions' warnings on the console and their
metrics in the file the banner names (README, "What `make dev` prints")."""

from __future__ import annotations

import json
import re
import smtplib
import socket
import struct
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import boto3
import httpx
import pytest
from mailman_client import AuthenticatedClient
from mailman_client.api.mail import messages_get
from mailman_client.models import MessageOut

from local.aws import INBOUND_QUEUE
from local.ses_inbound import received_notification, sns_envelope
from tests.e2e.conftest import HOST, LocalPlatform, ok, poll, quickstart_inbox, running_platform

pytestmark = pytest.mark.e2e

TIME = r"\d\d:\d\d:\d\d"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    with running_platform(
        tmp_path_factory, "logs", {"MAILMAN_QUICKSTART": "1", "MAILMAN_DISPATCHER_SECONDS": "1"}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def anonymous(platform: LocalPlatform) -> Iterator[httpx.Client]:
    """Speaks to this module's platform without a key."""
    with platform.client() as http:
        yield http


@pytest.fixture(scope="module")
def hello(api: AuthenticatedClient) -> str:
    return str(quickstart_inbox(api, "hello"))


def _lines_matching(platform: LocalPlatform, pattern: str) -> list[str]:
    return [line for line in platform.lines if re.fullmatch(pattern, line)]


def _one_line(platform: LocalPlatform, pattern: str) -> str:
    """The one line of the output that is `pattern`, waited for."""
    assert poll(lambda: bool(_lines_matching(platform, pattern)), timeout=15, interval=0.1), (
        f"no line {pattern!r} in:\n{platform.output}"
    )
    found = _lines_matching(platform, pattern)
    assert len(found) == 1, found
    return found[0]


def _raw_request(platform: LocalPlatform, data: bytes, *, reset: bool) -> None:
    """Send `data` on a connection of its own and leave at once: with a reset, or a close."""
    with socket.create_connection((HOST, platform.ports.api), timeout=10) as sock:
        sock.sendall(data)
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _smtp_send(platform: LocalPlatform, message: EmailMessage) -> None:
    port = int((platform.printed("SMTP") or "").rpartition(":")[2])
    with smtplib.SMTP(HOST, port, timeout=10) as smtp:
        smtp.send_message(message)


def _metrics(platform: LocalPlatform) -> list[dict[str, Any]]:
    path = platform.printed("Metrics")
    assert path is not None, platform.output
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def _logged(platform: LocalPlatform, message: str) -> list[dict[str, Any]]:
    """The functions' log records (Powertools' JSON lines) on the console with `message`."""
    records = [json.loads(line) for line in platform.lines if line.startswith("{")]
    return [r for r in records if r.get("message") == message]


# -- API requests ----------------------------------------------------------------------


def test_a_request_is_one_line_with_method_path_status_time_and_trace_id(
    platform: LocalPlatform, client: httpx.Client, hello: str
) -> None:
    response = client.get(f"/inboxes/{hello}/threads", params={"limit": 5})

    assert response.status_code == 200, response.text
    trace = response.headers["x-trace-id"]
    line = _one_line(
        platform, rf"{TIME} API  GET /inboxes/{hello}/threads 200 \d+ ms trace={trace}"
    )
    assert "limit" not in line


def test_a_refused_request_is_one_line_with_its_status_and_trace_id(
    platform: LocalPlatform, anonymous: httpx.Client
) -> None:
    response = anonymous.post("/domains", json={"name": "refused.example.com"})

    assert response.status_code == 401, response.text
    trace = response.headers["x-trace-id"]
    _one_line(platform, rf"{TIME} API  POST /domains 401 \d+ ms trace={trace}")


# -- mail ------------------------------------------------------------------------------


def test_mail_received_is_one_line_naming_the_sender_domain_the_inbox_and_the_message(
    platform: LocalPlatform, client: httpx.Client, hello: str
) -> None:
    message = EmailMessage()
    message["From"] = "Carol Example <carol@elsewhere.example>"
    message["To"] = "hello@mailman.test"
    message["Subject"] = "Our secret plans"
    message.set_content("Not for the console.\n")

    _smtp_send(platform, message)

    line = _one_line(
        platform,
        rf"{TIME} MAIL in  \*@elsewhere\.example → hello@mailman\.test msg=\S+ "
        r"scan=\S+ spam=PASS virus=PASS",
    )
    listed = client.get(f"/inboxes/{hello}/messages").json()["data"]
    shown = re.search(r"msg=(\S+)", line)
    assert shown is not None
    assert [m["id"] for m in listed if m["direction"] == "inbound"] == [shown.group(1)]
    assert "carol" not in line.lower()
    assert "secret" not in line.lower()


def test_quarantined_mail_says_so_and_why(
    platform: LocalPlatform, api: AuthenticatedClient
) -> None:
    quarantine = quickstart_inbox(api, "quarantine")
    message = EmailMessage()
    message["From"] = "erin@infected.example"
    message["To"] = "quarantine@mailman.test"
    message["Subject"] = "Invoice"
    message["X-Mailman-Local-Verdicts"] = "virus=FAIL"
    message.set_content("Open the attachment.\n")

    _smtp_send(platform, message)

    line = _one_line(
        platform,
        rf"{TIME} MAIL in  \*@infected\.example → quarantine@mailman\.test msg=\S+ "
        r"scan=\S+ spam=PASS virus=FAIL quarantined=virus",
    )
    shown = re.search(r"msg=(\S+)", line)
    assert shown is not None
    stored = ok(MessageOut, messages_get.sync(UUID(shown.group(1)), client=api))
    assert stored.inbox_id == quarantine
    assert stored.quarantine_reason == "virus"


def test_mail_sent_is_one_line_with_its_recipients_and_what_ses_reported(
    platform: LocalPlatform, client: httpx.Client, hello: str
) -> None:
    sent = client.post(
        f"/inboxes/{hello}/messages",
        json={
            "to": ["bounce@simulator.amazonses.com", "dana@example.org"],
            "subject": "Quarterly numbers",
            "text": "Attached.",
        },
    )

    assert sent.status_code == 202, sent.text
    line = _one_line(
        platform,
        rf"{TIME} MAIL out hello@mailman\.test → bounce@simulator\.amazonses\.com,\*@example\.org "
        rf"msg={sent.json()['id']} ses=\S+ delivered=1 bounced=1",
    )
    assert "dana" not in line
    assert "Quarterly" not in line


# -- clients that leave ----------------------------------------------------------------


def test_a_client_that_leaves_mid_request_is_a_short_line_and_never_a_traceback(
    platform: LocalPlatform, client: httpx.Client
) -> None:
    # Half a request line, then a reset: reading the request fails.
    _raw_request(platform, b"GET /inbo", reset=True)
    # A body shorter than its Content-Length, then a close: no request to hand the function.
    head = b"POST /inboxes HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    _raw_request(platform, head + b'{"domain', reset=False)
    # A large answer whose client resets after its first bytes: writing it fails (unless
    # the whole answer fitted in the sockets' buffers first).
    for _ in range(3):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(10)
            sock.connect((HOST, platform.ports.api))
            sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(12) == b"HTTP/1.1 200"
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    _one_line(platform, rf"{TIME} API  POST /inboxes - \d+ ms trace=- \(client gone\)")
    answered = rf"{TIME} API  GET /openapi\.json 200 \d+ ms trace=\S+( \(client gone\))?"
    assert poll(lambda: len(_lines_matching(platform, answered)) == 3, timeout=15)
    assert client.get("/inboxes").status_code == 200
    assert "Traceback" not in platform.output
    assert not [line for line in platform.lines if "GET /inbo " in line]


# -- the functions' own output ---------------------------------------------------------


def test_metrics_go_to_the_file_the_banner_names_and_not_to_the_console(
    platform: LocalPlatform, anonymous: httpx.Client
) -> None:
    assert anonymous.get("/inboxes").status_code == 401

    assert platform.printed("Metrics") == str(platform.local_dir / "logs" / "metrics.jsonl")
    assert poll(lambda: any("Http4xx" in block for block in _metrics(platform)), timeout=10)
    assert all("CloudWatchMetrics" in block["_aws"] for block in _metrics(platform))
    assert not [line for line in platform.lines if '"_aws"' in line]


def test_a_functions_warning_reaches_the_console_and_not_the_metrics_file(
    platform: LocalPlatform,
) -> None:
    endpoint = platform.printed("AWS (moto)")
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    notification = received_notification(
        message_id="notmail00000000000001",
        source="mailer-daemon@elsewhere.example",
        recipients=["hello@mailman.test"],
        headers=[],
        bucket="unused",
        object_key="raw/unused",
        topic_arn="arn:aws:sns:us-east-1:000000000000:unused",
    )
    notification["notificationType"] = "AmazonSnsSubscriptionSucceeded"
    queue = sqs.get_queue_url(QueueName=INBOUND_QUEUE)["QueueUrl"]

    sqs.send_message(QueueUrl=queue, MessageBody=sns_envelope(notification, "arn:unused"))

    assert poll(lambda: bool(_logged(platform, "ignored notification")), timeout=15, interval=0.1)
    [record] = _logged(platform, "ignored notification")
    assert record["level"] == "WARNING"
    assert record["type"] == "AmazonSnsSubscriptionSucceeded"
    assert not [b for b in _metrics(platform) if "ignored notification" in json.dumps(b)]
    assert not [line for line in platform.lines if "notmail00000000000001" in line]
