"""The mail bucket: raw MIME under `raw/`, attachments under `attachments/`.

SES's receipt rule writes each inbound message under `raw/incoming/`; the inbound function
stores the message's own copy under `raw/` and never reads the incoming object again, so it
expires long before the copy does.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import Settings
from stacks.nag import acknowledge

RAW_PREFIX = "raw/"
ATTACHMENTS_PREFIX = "attachments/"
INCOMING_PREFIX = f"{RAW_PREFIX}incoming/"
"""Where SES's receipt rule stores each inbound message (`stacks/mail.py`)."""
INCOMING_RETENTION_DAYS = 30
"""Longer than a notification can wait in the inbound dead-letter queue (`DEAD_LETTER_RETENTION`
in `stacks/queues.py`, 14 days, counted on a standard queue from its first enqueue), so a
notification redriven from there still finds the object it names."""


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Mail",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-raw",
                    prefix=RAW_PREFIX,
                    expiration=Duration.days(settings.storage.raw_retention_days),
                ),
                # Inside `raw/` as well: of two overlapping expirations, S3 honours the shorter.
                s3.LifecycleRule(
                    id="expire-incoming",
                    prefix=INCOMING_PREFIX,
                    expiration=Duration.days(INCOMING_RETENTION_DAYS),
                ),
                s3.LifecycleRule(
                    id="expire-attachments",
                    prefix=ATTACHMENTS_PREFIX,
                    expiration=Duration.days(settings.storage.attachments_retention_days),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            # Customers' mail outlives the stack: `cdk destroy` leaves the bucket behind.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Only the functions' roles and SES write here and clients read through short-lived"
            " presigned URLs; CloudTrail S3 data events are the audit trail where one is needed",
        )
