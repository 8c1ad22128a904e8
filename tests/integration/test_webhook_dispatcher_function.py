"""The webhook dispatcher function end to end: an SQS FIFO event of `WebhookWork` in, real
HTTP to a receiver on 127.0.0.1 that verifies each delivery with `standardwebhooks`, the
reports on the reports queue (moto). It builds nothing of the database's."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from functions import runtime
from functions.webhooks import handler as dispatcher
from local.apigw import LambdaContext
from local.sqs_pump import sqs_event
from mailman.adapters.secret_box import KeyFileSecretBox, KmsSecretBox
from mailman.adapters.sqs import SqsReportQueue
from mailman.composition import KMS_ATTEMPTS
from mailman.domain.errors import DeliveryError
from mailman.domain.webhook_work import AttemptReport, WebhookWork
from mailman.domain.webhooks import ATTEMPT_TIMEOUT_SECONDS, Outcome, new_secret

WORK_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:mailman-webhooks.fifo"


@dataclass
class Verified:
    """What the receiver took: the payloads that verified, and how many did not."""

    secret: str
    payloads: list[tuple[str, Any]] = field(default_factory=list)
    rejected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[tuple[int, Verified]]:
    verified = Verified(new_secret())

    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 5

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                payload = Webhook(verified.secret).verify(body, dict(self.headers.items()))
            except WebhookVerificationError:
                with verified.lock:
                    verified.rejected += 1
                status = 400
            else:
                with verified.lock:
                    verified.payloads.append((self.headers["webhook-id"], payload))
                status = 410 if self.path == "/gone" else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server.server_address[1], verified
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class Aws:
    sqs: Any
    reports_url: str
    box: KeyFileSecretBox


@pytest.fixture
def aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    key_file = tmp_path / "webhook-secrets.key"
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="mailman-webhook-reports")["QueueUrl"]
        monkeypatch.setenv("WEBHOOK_REPORTS_QUEUE_URL", url)
        monkeypatch.setenv("WEBHOOK_KEY_FILE", str(key_file))
        monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
        monkeypatch.delenv("DATABASE_URL", raising=False)
        dispatcher.container.cache_clear()
        yield Aws(sqs, url, KeyFileSecretBox(key_file))
        dispatcher.container.cache_clear()


def _work(
    aws: Aws,
    secret: str,
    url: str,
    group: str,
    n: int,
    lease_expires_at: datetime = datetime(2100, 1, 1, tzinfo=UTC),
) -> WebhookWork:
    sealed = base64.b64encode(aws.box.seal(secret)).decode()
    return WebhookWork(
        delivery_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        endpoint_id=uuid.uuid4(),
        lease=uuid.uuid4(),
        lease_expires_at=lease_expires_at,
        webhook_id=f"evt_{n}",
        url=url,
        secrets=[sealed],
        body=json.dumps({"type": "message.received", "data": {"n": n}}),
        trigger="automatic",
        group=group,
    )


def _event(bodies: list[tuple[str, str]]) -> dict[str, Any]:
    """An SQS FIFO event: each record's body and message group."""
    return sqs_event(
        [
            {
                "MessageId": f"m-{n}",
                "ReceiptHandle": f"r-{n}",
                "Body": body,
                "MD5OfBody": "",
                "Attributes": {"MessageGroupId": group, "ApproximateReceiveCount": "1"},
            }
            for n, (body, group) in enumerate(bodies)
        ],
        WORK_QUEUE_ARN,
        "us-east-1",
    )


def _reports(aws: Aws) -> list[AttemptReport]:
    found: list[AttemptReport] = []
    while True:
        batch = aws.sqs.receive_message(QueueUrl=aws.reports_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not batch:
            return found
        found += [AttemptReport.model_validate_json(m["Body"]) for m in batch]
        for message in batch:
            aws.sqs.delete_message(QueueUrl=aws.reports_url, ReceiptHandle=message["ReceiptHandle"])


def test_each_work_is_delivered_verified_and_reported(
    aws: Aws, receiver: tuple[int, Verified]
) -> None:
    port, verified = receiver
    url = f"http://127.0.0.1:{port}/hook"
    works = [_work(aws, verified.secret, url, f"g{n % 2}", n) for n in range(4)]
    gone = _work(aws, verified.secret, f"http://127.0.0.1:{port}/gone", "g9", 9)
    metadata = _work(aws, verified.secret, "http://169.254.169.254/latest/", "g8", 8)
    records = [(w.model_dump_json(), w.group) for w in [*works, gone, metadata]]

    answer = dispatcher.handler(_event(records), LambdaContext("mailman-webhooks"))

    assert answer == {"batchItemFailures": []}
    assert sorted(i for i, _ in verified.payloads) == ["evt_0", "evt_1", "evt_2", "evt_3", "evt_9"]
    assert verified.rejected == 0
    assert dict(verified.payloads)["evt_2"] == {"type": "message.received", "data": {"n": 2}}
    reports = {r.delivery_id: r for r in _reports(aws)}
    assert len(reports) == 6
    assert all(reports[w.delivery_id].outcome is Outcome.DELIVERED for w in works)
    assert all(reports[w.delivery_id].status_code == 204 for w in works)
    assert reports[gone.delivery_id].outcome is Outcome.GONE
    refused = reports[metadata.delivery_id]
    assert refused.outcome is Outcome.FAILED
    assert refused.error is not None
    assert "metadata" in refused.error
    assert reports[works[1].delivery_id].lease == works[1].lease


def test_malformed_work_is_dropped_and_the_rest_delivered(
    aws: Aws, receiver: tuple[int, Verified]
) -> None:
    port, verified = receiver
    good = _work(aws, verified.secret, f"http://127.0.0.1:{port}/hook", "g", 1)
    records = [
        ("not json", "g"),
        (json.dumps({"delivery_id": "nope"}), "g"),
        (good.model_dump_json(), "g"),
    ]

    answer = dispatcher.handler(_event(records), LambdaContext("mailman-webhooks"))

    assert answer == {"batchItemFailures": []}
    assert [i for i, _ in verified.payloads] == ["evt_1"]
    assert [r.delivery_id for r in _reports(aws)] == [good.delivery_id]


def test_the_dispatcher_never_builds_a_database(aws: Aws, receiver: tuple[int, Verified]) -> None:
    port, verified = receiver
    work = _work(aws, verified.secret, f"http://127.0.0.1:{port}/hook", "g", 1)

    dispatcher.handler(_event([(work.model_dump_json(), "g")]), LambdaContext("mailman-webhooks"))

    built = vars(dispatcher.container())
    assert "http_sender" in built
    assert "report_queue" in built
    assert "database" not in built
    assert "uow" not in built


def test_private_receivers_are_refused_unless_the_platform_allows_them(
    aws: Aws, receiver: tuple[int, Verified], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "false")
    dispatcher.container.cache_clear()
    port, verified = receiver
    work = _work(aws, verified.secret, f"http://127.0.0.1:{port}/hook", "g", 1)

    dispatcher.handler(_event([(work.model_dump_json(), "g")]), LambdaContext("mailman-webhooks"))

    assert verified.payloads == []
    [report] = _reports(aws)
    assert report.outcome is Outcome.FAILED
    assert report.error == "refused: url must be https"


def test_the_batch_fails_whole_when_its_reports_cannot_be_queued(
    aws: Aws, receiver: tuple[int, Verified], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_REPORTS_QUEUE_URL", aws.reports_url + "-missing")
    dispatcher.container.cache_clear()
    port, verified = receiver
    work = _work(aws, verified.secret, f"http://127.0.0.1:{port}/hook", "g", 1)

    with pytest.raises(DeliveryError):
        dispatcher.handler(
            _event([(work.model_dump_json(), "g")]), LambdaContext("mailman-webhooks")
        )


@pytest.fixture
def metrics(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Metrics:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Mailman")
    runtime.metrics.clear_metrics()  # what earlier tests counted, with metrics off, is kept
    return Metrics(capsys)


@dataclass
class Metrics:
    """The counts the function's EMF block carries, read from what it printed."""

    capsys: pytest.CaptureFixture[str]

    def counted(self) -> dict[str, float]:
        lines = [line for line in self.capsys.readouterr().out.splitlines() if '"_aws"' in line]
        [block] = [json.loads(line) for line in lines]
        names = [m["Name"] for m in block["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
        return {
            name: sum(block[name]) if isinstance(block[name], list) else block[name]
            for name in names
        }


def test_work_too_late_for_its_lease_is_dropped_unsent_and_unreported(
    aws: Aws,
    receiver: tuple[int, Verified],
    metrics: Metrics,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, verified = receiver
    url = f"http://127.0.0.1:{port}/hook"
    fresh = _work(aws, verified.secret, url, "g1", 1)
    stale = _work(
        aws,
        verified.secret,
        url,
        "g2",
        2,
        lease_expires_at=datetime.now(UTC) + timedelta(seconds=5),
    )
    records = [(w.model_dump_json(), w.group) for w in [stale, fresh]]

    answer = dispatcher.handler(_event(records), LambdaContext("mailman-webhooks"))

    assert answer == {"batchItemFailures": []}
    assert [i for i, _ in verified.payloads] == ["evt_1"]
    assert [r.delivery_id for r in _reports(aws)] == [fresh.delivery_id]
    [logged] = [r for r in caplog.records if "expired" in r.getMessage()]
    assert logged.levelname == "INFO"
    assert logged.delivery_id == str(stale.delivery_id)
    counted = metrics.counted()
    assert counted["WebhookWorkExpired"] == 1
    assert counted["WebhooksDelivered"] == 1


class RunningOut(LambdaContext):
    """A context whose invocation has plenty of time until the receiver has taken a
    delivery, and ten seconds after."""

    verified: Verified

    def get_remaining_time_in_millis(self) -> int:
        return 170_000 if not self.verified.payloads else 10_000


def test_the_function_takes_no_more_work_once_its_time_runs_short_and_reports_what_it_did(
    aws: Aws,
    receiver: tuple[int, Verified],
    metrics: Metrics,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, verified = receiver
    url = f"http://127.0.0.1:{port}/hook"
    works = [_work(aws, verified.secret, url, "g", n) for n in range(3)]
    context = RunningOut("mailman-webhooks", timeout_seconds=180)
    context.verified = verified

    answer = dispatcher.handler(_event([(w.model_dump_json(), w.group) for w in works]), context)

    assert answer == {"batchItemFailures": []}
    assert [i for i, _ in verified.payloads] == ["evt_0"]
    assert [r.delivery_id for r in _reports(aws)] == [works[0].delivery_id]
    logged = [r for r in caplog.records if "not started" in r.getMessage()]
    assert [r.delivery_id for r in logged] == [str(w.delivery_id) for w in works[1:]]
    assert metrics.counted()["WebhookWorkNotStarted"] == 2


def test_the_dispatchers_key_service_calls_give_up_within_an_attempt(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_KMS_KEY_ID", "alias/mailman-webhooks")
    dispatcher.container.cache_clear()

    box = dispatcher.container().secret_box

    assert isinstance(box, KmsSecretBox)
    config = box._kms.meta.config
    tries = config.retries["total_max_attempts"]
    assert tries == KMS_ATTEMPTS
    # Every try connecting and reading as long as it may, a second's backoff between them.
    longest = tries * (config.connect_timeout + config.read_timeout) + (tries - 1)
    assert longest < ATTEMPT_TIMEOUT_SECONDS


def _report(n: int) -> AttemptReport:
    return AttemptReport(
        attempt_id=uuid.uuid4(),
        delivery_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        endpoint_id=uuid.uuid4(),
        lease=uuid.uuid4(),
        trigger="automatic",
        attempted_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        latency_ms=n,
        status_code=200,
        error=None,
        outcome=Outcome.DELIVERED,
    )


def test_the_report_queue_sends_any_number_of_reports_as_json(aws: Aws) -> None:
    sent = [_report(n) for n in range(23)]

    SqsReportQueue(aws.sqs, aws.reports_url).send(sent)

    got = sorted(_reports(aws), key=lambda r: r.latency_ms)
    assert got == sent


def test_the_report_queue_groups_and_deduplicates_on_a_fifo_queue(aws: Aws) -> None:
    url = aws.sqs.create_queue(
        QueueName="mailman-webhook-reports.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    report = _report(1)

    SqsReportQueue(aws.sqs, url).send([report, report])

    messages = aws.sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
    )["Messages"]
    assert len(messages) == 1
    assert messages[0]["Attributes"]["MessageGroupId"] == str(report.delivery_id)
    assert AttemptReport.model_validate_json(messages[0]["Body"]) == report


def test_the_report_queue_raises_when_sqs_refuses(aws: Aws) -> None:
    with pytest.raises(DeliveryError, match="could not take"):
        SqsReportQueue(aws.sqs, aws.reports_url + "-missing").send([_report(1)])
