"""The mail bucket: raw MIME under `raw/`, attachments under `attachments/`.

SES's receipt rule writes each inbound message under `raw/incoming/`; the inbound function
stores the message's own copy under `raw/` and never reads the incoming object again, so it
expires long before the copy does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnElement, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import StageSettings
from stacks.nag import acknowledge

RAW_PREFIX = "raw/"
ATTACHMENTS_PREFIX = "attachments/"
INCOMING_PREFIX = f"{RAW_PREFIX}incoming/"
"""Where SES's receipt rule stores each inbound message (`stacks/mail.py`)."""
INCOMING_RETENTION_DAYS = 30
"""Longer than a notification can wait in the inbound dead-letter queue (`DEAD_LETTER_RETENTION`
in `stacks/queues.py`, 14 days, counted on a standard queue from its first enqueue), so a
notification redriven from there still finds the object it names."""


def private_bucket(scope: Construct, construct_id: str, **options: Any) -> s3.Bucket:
    """A bucket of ours: encrypted, never public, owned by this account, TLS 1.2 only."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        **options,
    )


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        self.bucket = private_bucket(
            self,
            "Mail",
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

    def grant_existence_checks(self, grantee: lambda_.Function) -> None:
        """Let `grantee` learn that an object is missing: without `s3:ListBucket` on the
        bucket, S3 answers a HEAD of a missing key with 403, not 404 (no object's content or
        list of keys is read through it by the functions)."""
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["s3:ListBucket"], resource_arns=[self.bucket.bucket_arn]
        )

    def grant_objects(self, grantee: lambda_.Function, actions: Sequence[str], reason: str) -> None:
        """Allow `grantee` the object `actions` on everything under `raw/` and `attachments/`,
        acknowledging cdk-nag's finding on each prefix's wildcard with `reason`."""
        prefixes = (RAW_PREFIX, ATTACHMENTS_PREFIX)
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(actions),
            resource_arns=[self.bucket.arn_for_objects(f"{prefix}*") for prefix in prefixes],
        )
        bucket_resource = self.bucket.node.default_child
        assert isinstance(bucket_resource, CfnElement)
        bucket_arn = f"<{Stack.of(self).get_logical_id(bucket_resource)}.Arn>"
        for prefix in prefixes:
            acknowledge(grantee, f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}*]", reason)
