"""The mail bucket: encrypted, private, TLS only, raw mail and attachments expire, SES's
incoming copies soon after."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_s3 as s3

from .support import Synthesised


def bucket(synthesised: Synthesised) -> s3.Bucket:
    return synthesised.stack.storage.bucket


def bucket_policy_statements(synthesised: Synthesised) -> list[dict[str, Any]]:
    ref = {"Ref": synthesised.logical_id(bucket(synthesised))}
    return [
        statement
        for policy in synthesised.resources("AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == ref
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_bucket_blocks_all_public_access(synthesised: Synthesised) -> None:
    props = synthesised.properties(bucket(synthesised))

    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_bucket_is_encrypted(synthesised: Synthesised) -> None:
    props = synthesised.properties(bucket(synthesised))

    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_bucket_refuses_requests_without_tls_1_2(synthesised: Synthesised) -> None:
    denials = [s for s in bucket_policy_statements(synthesised) if s["Effect"] == "Deny"]

    conditions = [s["Condition"] for s in denials]

    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def lifecycle_rules(synthesised: Synthesised) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = synthesised.properties(bucket(synthesised))[
        "LifecycleConfiguration"
    ]["Rules"]
    return rules


def test_raw_mail_and_attachments_expire_as_configured(synthesised: Synthesised) -> None:
    storage = synthesised.settings.storage
    rules = lifecycle_rules(synthesised)

    expiry = {r["Prefix"]: r["ExpirationInDays"] for r in rules if "Prefix" in r}

    assert expiry == {
        "raw/": storage.raw_retention_days,
        "raw/incoming/": 30,
        "attachments/": storage.attachments_retention_days,
    }
    assert (storage.raw_retention_days, storage.attachments_retention_days) == (365, 730)


def test_what_ses_stores_expires_once_no_notification_can_name_it(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    (receipt_rule,) = synthesised.resources("AWS::SES::ReceiptRule").values()
    (action,) = receipt_rule["Properties"]["Rule"]["Actions"]
    dead_letters = synthesised.properties(stack.queues.inbound.dead_letter_queue)

    (rule,) = [r for r in lifecycle_rules(synthesised) if r.get("Prefix") == "raw/incoming/"]

    assert action["S3Action"]["ObjectKeyPrefix"] == rule["Prefix"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == 30
    assert rule["ExpirationInDays"] * 86_400 > dead_letters["MessageRetentionPeriod"]
    assert rule["ExpirationInDays"] < synthesised.settings.storage.raw_retention_days


def test_bucket_outlives_the_stack(synthesised: Synthesised) -> None:
    resource = synthesised.template.to_json()["Resources"][
        synthesised.logical_id(bucket(synthesised))
    ]

    assert resource["DeletionPolicy"] == "Retain"


def test_ses_may_write_only_incoming_raw_mail(synthesised: Synthesised) -> None:
    grants = [
        s
        for s in bucket_policy_statements(synthesised)
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": "ses.amazonaws.com"}
    ]

    (grant,) = grants
    assert grant["Action"] == "s3:PutObject"
    assert grant["Resource"]["Fn::Join"][1][-1] == "/raw/incoming/*"
    assert "aws:SourceAccount" in grant["Condition"]["StringEquals"]
