"""The AWS stand-ins: a moto server, SES's identity behaviour, the inbound receipt rule and the
work queues (as the stack makes them, each with its dead-letter queue)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local import bucket_folder, ses_outbound, ses_simulator
from local.bucket_folder import BucketFolder
from local.dns_zone import LocalZone
from mailman.adapters.ses import NO_RECIPIENTS, SesDomainIdentities

RULE_SET = "mailman-local"
RULE = "inbound"
BUCKET = "mailman-local"
INBOUND_QUEUE = "mailman-inbound"
INBOUND_TOPIC = "mailman-inbound"
OUTBOUND_QUEUE = "mailman-outbound"
TELEMETRY_QUEUE = "mailman-telemetry"
WEBHOOK_QUEUE = "mailman-webhooks.fifo"
"""The dispatcher's work: FIFO, in order within a message group, as `webhooks.fifo` is."""
WEBHOOK_REPORTS_QUEUE = "mailman-webhook-reports"
EVENTS_TOPIC = "mailman-events"
MAX_RECEIVE_COUNT = 5


class LocalAws:
    def __init__(self, host: str, port: int, zone: LocalZone, region: str) -> None:
        self.endpoint = f"http://{host}:{port}"
        self.region = region
        ses_simulator.install(zone)
        ses_outbound.install()
        bucket_folder.install()
        # moto's server logs every request through werkzeug; the platform prints its own.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    @property
    def inbound_topic_arn(self) -> str:
        """The SNS topic the receipt rule's S3 action notifies, in the configured region."""
        return f"arn:aws:sns:{self.region}:000000000000:{INBOUND_TOPIC}"

    def client(self, service: str) -> Any:
        """The one client for `service`, made on first use.

        Called from several threads (the SMTP receiver asks for the receipt rule on every
        RCPT): a boto3 client is safe to share once made, but making one is not.
        """
        with self._clients_lock:
            client = self._clients.get(service)
            if client is None:
                client = self._clients[service] = boto3.client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint,
                    aws_access_key_id="local",
                    aws_secret_access_key="local",
                )
            return client

    def start(self) -> LocalAws:
        self._server.start()
        return self

    def stop(self) -> None:
        bucket_folder.forget(BUCKET)
        self._server.stop()

    def restore(self, domains: Iterable[tuple[str, str, bool]]) -> None:
        """Recreate what a deployed stack and earlier runs left in AWS (moto keeps no state).

        `domains` are (name, MAIL FROM domain, receiving) of every live domain: their SES
        identities come back with the same DKIM tokens, and the receipt rule accepts mail for
        those verified for receiving, as the verifier left it.
        """
        ses = self.client("ses")
        ses.create_receipt_rule_set(RuleSetName=RULE_SET)
        recipients: list[str] = []
        identities = SesDomainIdentities(self.client("sesv2"))
        for name, mail_from, receiving in domains:
            identities.create(name, mail_from)
            if receiving:
                recipients.append(name)
        ses.create_receipt_rule(
            RuleSetName=RULE_SET,
            Rule={
                "Name": RULE,
                "Enabled": True,
                "ScanEnabled": True,
                "Recipients": recipients or [NO_RECIPIENTS],
                "Actions": [],
            },
        )
        ses.set_active_receipt_rule_set(RuleSetName=RULE_SET)

    @property
    def events_topic_arn(self) -> str:
        """The SNS topic the configuration set publishes sending events to."""
        return f"arn:aws:sns:{self.region}:000000000000:{EVENTS_TOPIC}"

    def create_mail_resources(self, visibility_timeout: int) -> str:
        """The bucket and the inbound queue (with its dead-letter queue); answers its URL."""
        self.client("s3").create_bucket(Bucket=BUCKET)
        return self.work_queue(INBOUND_QUEUE, visibility_timeout)

    def work_queue(self, name: str, visibility_timeout: int) -> str:
        """A queue with its dead-letter queue, as the stack makes them; answers its URL."""
        return create_work_queue(self.client("sqs"), name, visibility_timeout)

    def load_bucket(self, directory: Path) -> int:
        """Put back into the bucket the objects kept under `directory`, then keep every change
        to them there as it is made (`local.bucket_folder`); answers how many were loaded."""
        folder = BucketFolder(directory)
        s3 = self.client("s3")
        loaded = 0
        for stored in folder.objects():
            typed = {"ContentType": stored.content_type} if stored.content_type else {}
            s3.put_object(
                Bucket=BUCKET, Key=stored.key, Body=stored.body, Metadata=stored.metadata, **typed
            )
            loaded += 1
        bucket_folder.keep(BUCKET, folder)
        return loaded

    def accepted_domains(self) -> list[str]:
        rule = self.client("ses").describe_receipt_rule(RuleSetName=RULE_SET, RuleName=RULE)
        return [r for r in rule["Rule"].get("Recipients", []) if r != NO_RECIPIENTS]


FIFO_SUFFIX = ".fifo"
FIFO_ATTRIBUTES = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "messageGroup",
    "FifoThroughputLimit": "perMessageGroupId",
}
"""As `stacks/queues.py` makes `webhooks.fifo`: the producer gives each message its
deduplication id, and order (and throughput) is per message group."""


def create_work_queue(sqs: Any, name: str, visibility_timeout: int) -> str:
    """A queue with its dead-letter queue, as the stack makes them; answers its URL. A name
    ending in `.fifo` makes both FIFO queues (SQS wants a FIFO queue's dead letters in one)."""
    fifo = name.endswith(FIFO_SUFFIX)
    base = name.removesuffix(FIFO_SUFFIX)
    kind = FIFO_ATTRIBUTES if fifo else {}
    dlq = sqs.create_queue(
        QueueName=f"{base}-dlq{FIFO_SUFFIX if fifo else ''}",
        Attributes={"FifoQueue": "true"} if fifo else {},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    return str(
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(visibility_timeout),
                "RedrivePolicy": redrive,
                **kind,
            },
        )["QueueUrl"]
    )
