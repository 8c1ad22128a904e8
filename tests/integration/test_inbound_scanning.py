"""The inbound Lambda handler scanning mail before it stores it, driven by SQS events
carrying SES notifications via SNS, with real PostgreSQL, moto's S3 and the fake scanner in
the function's container."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import boto3
import pytest

from functions import runtime
from functions.inbound import handler as inbound
from local.apigw import LambdaContext
from mailman.adapters.memory.scanner import FakeScanner
from mailman.domain.scanning import ScanPart, ScanReport

from ..mail import make_mail
from .conftest import BUCKET, Tenant, function_container
from .inbound_records import inbound_record
from .mail_helpers import MailSink, rows

EICAR = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
SIGNATURE = "Eicar-Test-Signature"


@pytest.fixture(autouse=True)
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The invocation's metrics printed (EMF), for the tests to read."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Mailman")
    runtime.metrics.clear_metrics()  # what earlier tests counted, with metrics off, is kept


@pytest.fixture
def scanner(
    mailbox: MailSink, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeScanner]:
    """The fake scanner in the inbound function's container (bound: the default 4)."""
    fake = FakeScanner({EICAR: SIGNATURE})
    with function_container(inbound.container, database_url, monkeypatch):
        monkeypatch.setattr(inbound.container(), "scanner", fake)
        yield fake


def _with_file(content: bytes) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Alice <alice@elsewhere.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Order 1234"
    mail["Message-ID"] = "<file@elsewhere.example>"
    mail["Date"] = "Sat, 21 Nov 2026 11:00:00 +0000"
    mail.set_content("Hello, the invoice is attached.")
    mail.add_attachment(content, maintype="application", subtype="zip", filename="invoice.zip")
    return bytes(mail)


def _record(ses_id: str, raw: bytes, *, receive_count: int = 1) -> dict[str, Any]:
    return inbound_record(
        ses_id, raw, ["support@example.com"], prefix="incoming/", receive_count=receive_count
    )


def _invoke(*records: dict[str, Any]) -> dict[str, Any]:
    return dict(inbound.handler({"Records": list(records)}, LambdaContext("mailman-inbound")))


def _stored_objects() -> list[str]:
    """The objects receiving wrote (the mail service's own under `incoming/` left out)."""
    found = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET)
    keys = [o["Key"] for o in found.get("Contents", [])]
    return sorted(k for k in keys if not k.startswith("incoming/"))


def _metrics(captured: str) -> dict[str, Any]:
    """The metrics of the invocation's EMF block printed on stdout."""
    for line in captured.splitlines():
        if '"_aws"' in line:
            block = json.loads(line)
            names = [m["Name"] for d in block["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
            return {name: _one(block[name]) for name in names}
    return {}


def _one(value: float | list[float]) -> float:
    """A metric's value, written once in the invocation."""
    if isinstance(value, list):
        [value] = value
    return value


def test_an_outage_fails_the_record_and_stores_nothing(
    scanner: FakeScanner, mailbox: MailSink, capsys: pytest.CaptureFixture[str]
) -> None:
    scanner.down = True

    result = _invoke(_record("ses-down", _with_file(b"zip")))

    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-ses-down"}]}
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]
    assert rows(mailbox, "SELECT count(*) FROM events") == [(0,)]
    assert _stored_objects() == []
    assert _metrics(capsys.readouterr().out)["ScanFailures"] == 1.0


def test_a_redelivery_with_the_scanner_back_stores_the_mail_once(
    scanner: FakeScanner, mailbox: MailSink
) -> None:
    raw = _with_file(b"zip")
    scanner.down = True
    _invoke(_record("ses-wait", raw))
    scanner.down = False

    first = _invoke(_record("ses-wait", raw, receive_count=2))
    again = _invoke(_record("ses-wait", raw, receive_count=3))

    assert first == again == {"batchItemFailures": []}
    found = rows(mailbox, "SELECT scan->>'verdict', quarantined FROM messages")
    assert found == [("pass", False)]
    assert rows(mailbox, "SELECT count(*) FROM attachments") == [(1,)]
    assert rows(mailbox, "SELECT count(*) FROM events WHERE type = 'message.received'") == [(1,)]


def test_no_scan_starts_in_the_time_storing_the_batch_needs(
    scanner: FakeScanner, mailbox: MailSink
) -> None:
    short = LambdaContext("mailman-inbound", timeout_seconds=inbound.STORE_RESERVE_SECONDS)
    event = {"Records": [_record("ses-late", _with_file(b"zip"))]}

    result = inbound.handler(event, short)

    assert result == {"batchItemFailures": [{"itemIdentifier": "sqs-ses-late"}]}
    assert scanner.scanned == []
    assert rows(mailbox, "SELECT count(*) FROM messages") == [(0,)]


def test_at_the_bound_the_mail_is_stored_quarantined_as_scan_failed(
    scanner: FakeScanner, mailbox: MailSink, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    scanner.down = True

    result = _invoke(_record("ses-bound", _with_file(b"zip"), receive_count=4))

    assert result == {"batchItemFailures": []}
    listed = tenant.api.get(f"/inboxes/{mailbox.support}/messages", query="quarantined=true")
    [shown] = listed.json()["data"]
    assert shown["quarantine_reason"] == "scan_failed"
    assert shown["scan"] == {
        "verdict": "failed",
        "engine": None,
        "signature": None,
        "unscanned": [],
    }
    assert shown["attachments"] == []
    assert tenant.api.get(f"/inboxes/{mailbox.support}/messages").json()["data"] == []
    assert _metrics(capsys.readouterr().out)["ScanFailures"] == 1.0


def test_an_infected_attachment_is_quarantined_with_its_signature(
    scanner: FakeScanner, mailbox: MailSink, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _invoke(_record("ses-eicar", _with_file(b"zip around " + EICAR)))

    assert result == {"batchItemFailures": []}
    [(message_id, reason, signature)] = rows(
        mailbox, "SELECT id, quarantine_reason, scan->>'signature' FROM messages"
    )
    assert (reason, signature) == ("virus", SIGNATURE)
    shown = tenant.api.get(f"/messages/{message_id}").json()
    assert shown["scan"]["verdict"] == "fail"
    assert shown["scan"]["signature"] == SIGNATURE
    [(payload,)] = rows(mailbox, "SELECT payload FROM events WHERE type = 'message.quarantined'")
    assert (payload["quarantine_reason"], payload["scan"]["signature"]) == ("virus", SIGNATURE)
    assert [k.split("/")[0] for k in _stored_objects()] == ["raw"]
    assert _metrics(capsys.readouterr().out)["MessagesInfected"] == 1.0


def test_clean_mail_shows_its_verdict_in_the_api(
    scanner: FakeScanner, mailbox: MailSink, tenant: Tenant
) -> None:
    _invoke(_record("ses-clean", make_mail()))

    [(message_id, thread_id)] = rows(mailbox, "SELECT id, thread_id FROM messages")
    shown = tenant.api.get(f"/messages/{message_id}").json()
    in_thread = tenant.api.get(f"/threads/{thread_id}").json()["messages"][0]
    assert shown["scan"] == {
        "verdict": "pass",
        "engine": "FakeScanner 1/1",
        "signature": None,
        "unscanned": [],
    }
    assert in_thread["scan"] == shown["scan"]


def test_without_clamd_configured_scanning_is_off_and_says_so(
    mailbox: MailSink, tenant: Tenant, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAMD_ADDRESS", raising=False)
    with function_container(inbound.container, database_url, monkeypatch):
        _invoke(_record("ses-off", make_mail(body=EICAR.decode())))

    [(message_id,)] = rows(mailbox, "SELECT id FROM messages")
    shown = tenant.api.get(f"/messages/{message_id}").json()
    assert (shown["scan"]["verdict"], shown["quarantined"]) == ("off", False)


def test_the_definitions_age_is_published(
    mailbox: MailSink,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dated = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    with function_container(inbound.container, database_url, monkeypatch):
        monkeypatch.setattr(inbound.container(), "scanner", _Clamd(dated))
        before = datetime.now(UTC)
        _invoke(_record("ses-aged", make_mail()))
        after = datetime.now(UTC)

    age = _metrics(capsys.readouterr().out)["ScanDefinitionsAgeHours"]
    hours = [(at - dated).total_seconds() / 3600 for at in (before, after)]
    assert hours[0] <= age <= hours[1]


def test_a_failure_mid_batch_loses_no_mail_and_stores_nothing_twice(
    mailbox: MailSink, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _record("ses-1", make_mail())
    bad = _record("ses-2", make_mail(message_id="<two@x>", subject="Two"))
    scanner = FakeScanner()
    scanner.down_for.append(b"<two@x>")
    with function_container(inbound.container, database_url, monkeypatch):
        monkeypatch.setattr(inbound.container(), "scanner", scanner)
        first = _invoke(good, bad)
        scanner.down_for.clear()
        second = _invoke(good, bad)

    assert first == {"batchItemFailures": [{"itemIdentifier": "sqs-ses-2"}]}
    assert second == {"batchItemFailures": []}
    stored = rows(mailbox, "SELECT source_id FROM messages ORDER BY source_id")
    assert stored == [("ses-1",), ("ses-2",)]
    assert rows(mailbox, "SELECT count(*) FROM events") == [(2,)]
    assert len(_stored_objects()) == 2


class _Clamd(FakeScanner):
    """The fake, naming its engine as clamd does, with definitions of `dated`."""

    def __init__(self, dated: datetime) -> None:
        super().__init__()
        self.engine = f"ClamAV 1.4.3/27480/{dated:%a %b %e %H:%M:%S %Y}"

    def scan(self, parts: Sequence[ScanPart], deadline: float | None = None) -> ScanReport:
        return replace(super().scan(parts, deadline), engine=self.engine)
