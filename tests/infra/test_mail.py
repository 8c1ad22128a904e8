"""SES: the receipt rule for the configured domains (raw mail into raw/, notification to the
inbound queue) and the configuration set whose events feed the telemetry queue."""

from __future__ import annotations

from typing import Any

from .support import Synthesised


def receipt_rule(synthesised: Synthesised) -> dict[str, Any]:
    (rule,) = synthesised.resources("AWS::SES::ReceiptRule").values()
    properties: dict[str, Any] = rule["Properties"]["Rule"]
    return properties


def subscription_of(synthesised: Synthesised, topic_logical_id: str) -> dict[str, Any]:
    (found,) = [
        dict(s["Properties"])
        for s in synthesised.resources("AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": topic_logical_id}
    ]
    return found


def test_rule_receives_the_configured_domains_with_scanning(synthesised: Synthesised) -> None:
    rule = receipt_rule(synthesised)

    assert rule["Recipients"] == synthesised.settings.mail_domains
    assert rule["Enabled"] is True
    assert rule["ScanEnabled"] is True


def test_rule_stores_raw_mail_and_notifies_the_received_topic(synthesised: Synthesised) -> None:
    stack = synthesised.stack

    (action,) = receipt_rule(synthesised)["Actions"]

    assert list(action) == ["S3Action"]
    action = action["S3Action"]
    assert action["BucketName"] == stack.resolve(stack.storage.bucket.bucket_name)
    assert action["ObjectKeyPrefix"] == "raw/incoming/"
    assert action["TopicArn"] == stack.resolve(stack.mail.received_topic.topic_arn)


def test_rule_belongs_to_the_stages_rule_set(synthesised: Synthesised) -> None:
    (rule_set,) = synthesised.resources("AWS::SES::ReceiptRuleSet").values()

    assert rule_set["Properties"]["RuleSetName"] == f"mailman-{synthesised.settings.stage}"


def test_inbound_queue_gets_the_sns_envelope_of_received_mail(synthesised: Synthesised) -> None:
    stack = synthesised.stack

    subscription = subscription_of(synthesised, synthesised.logical_id(stack.mail.received_topic))

    assert subscription["Protocol"] == "sqs"
    assert subscription["Endpoint"] == stack.resolve(stack.queues.inbound.queue.queue_arn)
    assert subscription["RawMessageDelivery"] is False


def test_configuration_set_sends_delivery_events_to_the_telemetry_queue(
    synthesised: Synthesised,
) -> None:
    stack = synthesised.stack
    (destination,) = synthesised.resources("AWS::SES::ConfigurationSetEventDestination").values()
    event_destination = destination["Properties"]["EventDestination"]

    subscription = subscription_of(synthesised, synthesised.logical_id(stack.mail.events_topic))

    assert event_destination["Enabled"] is True
    assert set(event_destination["MatchingEventTypes"]) == {
        "send",
        "delivery",
        "bounce",
        "complaint",
        "reject",
        "deliveryDelay",
        "renderingFailure",
        "open",
        "click",
    }
    assert event_destination["SnsDestination"] == {
        "TopicARN": stack.resolve(stack.mail.events_topic.topic_arn)
    }
    assert subscription["Endpoint"] == stack.resolve(stack.queues.telemetry.queue.queue_arn)
    assert subscription["RawMessageDelivery"] is False


def test_configuration_set_tracks_reputation(synthesised: Synthesised) -> None:
    props = synthesised.properties(synthesised.stack.mail.configuration_set)

    assert props["Name"] == f"mailman-{synthesised.settings.stage}"
    assert props["ReputationOptions"] == {"ReputationMetricsEnabled": True}


def test_ses_may_publish_to_both_topics_through_their_key(synthesised: Synthesised) -> None:
    stack = synthesised.stack
    key = synthesised.properties(stack.mail.topic_key)

    (grant,) = [
        s
        for s in key["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "ses.amazonaws.com"}
    ]

    assert set(grant["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert key["EnableKeyRotation"] is True
    for topic in (stack.mail.received_topic, stack.mail.events_topic):
        (statements,) = [
            p["Properties"]["PolicyDocument"]["Statement"]
            for p in synthesised.resources("AWS::SNS::TopicPolicy").values()
            if p["Properties"]["Topics"] == [stack.resolve(topic.topic_arn)]
        ]
        assert synthesised.properties(topic)["KmsMasterKeyId"] == stack.resolve(
            stack.mail.topic_key.key_arn
        )
        assert any(
            s["Effect"] == "Allow"
            and s["Principal"] == {"Service": "ses.amazonaws.com"}
            and s["Action"] == "sns:Publish"
            for s in statements
        )
