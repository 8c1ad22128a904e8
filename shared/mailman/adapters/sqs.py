"""Amazon SQS: the work queues between the functions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mailman.domain.errors import DeliveryError
from mailman.domain.webhooks import AttemptReport, WebhookWork

_BATCH = 10
"""SQS takes at most ten messages per SendMessageBatch."""


class SqsQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, bodies: Sequence[Mapping[str, object]], *, delay_seconds: int = 0) -> None:
        for start in range(0, len(bodies), _BATCH):
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": json.dumps(body, separators=(",", ":"), default=str),
                    "DelaySeconds": delay_seconds,
                }
                for n, body in enumerate(bodies[start : start + _BATCH])
            ]
            try:
                answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise DeliveryError("the queue could not take the jobs", transient=True) from exc
            if answer.get("Failed"):
                codes = sorted({str(f.get("Code")) for f in answer["Failed"]})
                raise DeliveryError(f"the queue refused jobs: {', '.join(codes)}", transient=True)

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Bring a received message back after `seconds` rather than its visibility timeout
        (the backoff of a consumer that failed it); best effort."""
        try:
            self._client.change_message_visibility(
                QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )
        except (ClientError, BotoCoreError):
            return


class SqsReportQueue:
    """`ReportQueue`: the webhook dispatcher's reports, one JSON message each
    (`AttemptReport.model_dump(mode="json")`), for the database side to record. On a FIFO
    queue each report is its delivery's group, deduplicated by its attempt's id."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url
        self._fifo = queue_url.endswith(".fifo")

    def send(self, reports: Sequence[AttemptReport]) -> None:
        """Queue every report, or raise `DeliveryError` (some may have been queued)."""
        for start in range(0, len(reports), _BATCH):
            entries = [
                self._entry(str(n), report)
                for n, report in enumerate(reports[start : start + _BATCH])
            ]
            try:
                answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise DeliveryError("the report queue could not take the reports") from exc
            if answer.get("Failed"):
                codes = sorted({str(f.get("Code")) for f in answer["Failed"]})
                raise DeliveryError(f"the report queue refused reports: {', '.join(codes)}")

    def _entry(self, entry_id: str, report: AttemptReport) -> dict[str, str]:
        body = json.dumps(report.model_dump(mode="json"), separators=(",", ":"))
        entry = {"Id": entry_id, "MessageBody": body}
        if self._fifo:
            entry["MessageGroupId"] = str(report.delivery_id)
            entry["MessageDeduplicationId"] = str(report.attempt_id)
        return entry


class SqsWebhookQueue:
    """`webhooks.fifo`: each work item in its group (`WebhookWork.group`), deduplicated by its
    claim (`{delivery_id}:{lease}`), so a send the SDK repeats is queued once and a delivery
    claimed again is queued again."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, work: Sequence[WebhookWork]) -> None:
        for start in range(0, len(work), _BATCH):
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": item.model_dump_json(),
                    "MessageGroupId": item.group,
                    "MessageDeduplicationId": f"{item.delivery_id}:{item.lease}",
                }
                for n, item in enumerate(work[start : start + _BATCH])
            ]
            try:
                answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise DeliveryError(
                    "the webhook queue could not take the work", transient=True
                ) from exc
            if answer.get("Failed"):
                codes = sorted({str(f.get("Code")) for f in answer["Failed"]})
                raise DeliveryError(
                    f"the webhook queue refused work: {', '.join(codes)}", transient=True
                )
