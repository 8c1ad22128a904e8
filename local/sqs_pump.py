"""Plays the Lambda SQS event source: polls a queue and invokes a function with its batches.

As in AWS: records the function reports in `batchItemFailures` (or every record, when the
function raises) are left on the queue, to come back after the visibility timeout; the others
are deleted. Moving a message to the dead-letter queue after `maxReceiveCount` receives is the
queue's own redrive policy, which moto applies as SQS does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from local.apigw import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]
Done = Callable[[list[dict[str, Any]]], None]


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event the SQS event source hands a function for one batch."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value["DataType"],
                    }
                    for name, value in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class SqsPump:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        function_name: str,
        *,
        batch_size: int = 10,
        region: str = "us-east-1",
        timeout_seconds: int | None = None,
        on_done: Done | None = None,
    ) -> None:
        """`timeout_seconds` is the function's, as its context tells it (`LambdaContext`'s
        default when None); `on_done` is told the messages the function finished with, once
        they are deleted."""
        self._on_done = on_done
        self._sqs = sqs
        self._queue_url = queue_url
        self._handler = handler
        self._function_name = function_name
        self._batch_size = batch_size
        self._region = region
        self._timeout_seconds = timeout_seconds
        self._arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sqs-{function_name}", daemon=True)

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch and hand it to the function; answer how many messages it held."""
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = sqs_event(received, self._arn, self._region)
        try:
            result = self._handler(event, self._context())
        except Exception as exc:
            print(f"  [{self._function_name}] batch failed: {exc!r}", flush=True)
            return len(received)
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
            if self._on_done is not None:
                self._on_done(done)
        return len(received)

    def _context(self) -> LambdaContext:
        if self._timeout_seconds is None:
            return LambdaContext(self._function_name)
        return LambdaContext(self._function_name, timeout_seconds=self._timeout_seconds)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception as exc:
                print(f"  [{self._function_name}] poll failed: {exc!r}", flush=True)
                self._stop.wait(1)

    def start(self) -> SqsPump:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
