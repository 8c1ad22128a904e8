"""Amazon SQS: the work queues between the functions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mailman.domain.errors import DeliveryError, NotQueued
from mailman.domain.webhook_work import AttemptReport, WebhookWork

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
    claimed again is queued again.

    A body is JSON in ASCII (every other character escaped), so no character a receiver's
    answer or a message may hold (U+FFFF, a lone surrogate) is one SQS refuses. Batches are
    packed to SQS's limits (ten messages, `MAX_BATCH_BYTES` in all); one that fails, in
    whole or in part, does not stop the batches after it."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, work: Sequence[WebhookWork]) -> None:
        """Queue every item in order, or raise `NotQueued` naming how many were not (the
        others were queued)."""
        failed = 0
        codes: set[str] = set()
        for batch in _packed([_work_entry(item) for item in work]):
            refused = self._send_batch(batch)
            failed += len(refused)
            codes.update(refused)
        if failed:
            raise NotQueued(
                f"the webhook queue did not take {failed} of {len(work)} pieces of work: "
                + ", ".join(sorted(codes)),
                queued=len(work) - failed,
                failed=failed,
            )

    def _send_batch(self, entries: list[dict[str, str]]) -> list[str]:
        """Send one batch; answers the error code of each entry not queued."""
        numbered = [{**entry, "Id": str(n)} for n, entry in enumerate(entries)]
        try:
            answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=numbered)
        except ClientError as exc:
            return [str(exc.response.get("Error", {}).get("Code"))] * len(entries)
        except BotoCoreError as exc:
            return [type(exc).__name__] * len(entries)
        return [str(f.get("Code")) for f in answer.get("Failed", [])]


MAX_BATCH_BYTES = 256 * 1024
"""What one SendMessageBatch carries at most, its messages together (and one message alone)."""


def _work_entry(item: WebhookWork) -> dict[str, str]:
    return {
        "MessageBody": json.dumps(item.model_dump(mode="json"), separators=(",", ":")),
        "MessageGroupId": item.group,
        "MessageDeduplicationId": f"{item.delivery_id}:{item.lease}",
    }


def _entry_bytes(entry: Mapping[str, str]) -> int:
    """What an entry counts toward its batch's size: its body, and (to err on the safe side)
    its group and deduplication ids. All ASCII: one byte a character."""
    return sum(len(value) for value in entry.values())


def _packed(entries: list[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    """The entries in order, in batches of at most ten and `MAX_BATCH_BYTES` (an entry larger
    than that alone in its own, for SQS to refuse)."""
    batch: list[dict[str, str]] = []
    size = 0
    for entry in entries:
        grown = size + _entry_bytes(entry)
        if batch and (len(batch) == _BATCH or grown > MAX_BATCH_BYTES):
            yield batch
            batch, grown = [], _entry_bytes(entry)
        batch.append(entry)
        size = grown
    if batch:
        yield batch
