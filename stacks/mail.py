"""SES: the receipt rule that takes the configured domains' mail in, and the configuration set
whose events tell what happened to the mail sent out.

Inbound: SES scans (spam, virus, SPF, DKIM, DMARC verdicts), writes the raw message under
`raw/incoming/` and publishes a notification to the `received` topic; the inbound queue is
subscribed to it without raw delivery, so each SQS body is the SNS envelope whose `Message`
is the SES notification JSON. Telemetry: the configuration set publishes sending events to
the `events` topic, which feeds the telemetry queue the same way.

A receipt rule set does nothing until it is made the account's active one, and a region has
one active rule set at a time, so activating it is a deploy step (see the README, Deploy), not
something this stack does behind the back of whatever else receives mail in the account.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import StageSettings
from stacks.nag import acknowledge
from stacks.storage import INCOMING_PREFIX

RECEIPT_RULE_NAME = "store-and-notify"
SENDING_EVENTS = [
    ses.EmailSendingEvent.SEND,
    ses.EmailSendingEvent.DELIVERY,
    ses.EmailSendingEvent.BOUNCE,
    ses.EmailSendingEvent.COMPLAINT,
    ses.EmailSendingEvent.REJECT,
    ses.EmailSendingEvent.DELIVERY_DELAY,
    ses.EmailSendingEvent.RENDERING_FAILURE,
    # Published only where open or click tracking is turned on; recorded as history then.
    ses.EmailSendingEvent.OPEN,
    ses.EmailSendingEvent.CLICK,
]
SES = iam.ServicePrincipal("ses.amazonaws.com")


class Ses(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        bucket: s3.IBucket,
        inbound: sqs.IQueue,
        telemetry: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        from_this_account = {"StringEquals": {"aws:SourceAccount": account}}
        # Notifications carry addresses and subjects: their topics use a key SES may use.
        self.topic_key = kms.Key(
            self,
            "TopicKey",
            description="Mailman: encrypts the SES notification topics",
            enable_key_rotation=True,
        )
        self.topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[SES],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions=from_this_account,
            )
        )
        self.received_topic = sns.Topic(
            self, "Received", master_key=self.topic_key, enforce_ssl=True
        )
        self.received_topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[SES],
                actions=["sns:Publish"],
                resources=[self.received_topic.topic_arn],
                conditions=from_this_account,
            )
        )
        self.received_topic.add_subscription(
            subscriptions.SqsSubscription(inbound, raw_message_delivery=False)
        )
        self.events_topic = sns.Topic(self, "Events", master_key=self.topic_key, enforce_ssl=True)
        self.events_topic.add_subscription(
            subscriptions.SqsSubscription(telemetry, raw_message_delivery=False)
        )

        self.rule_set_name = settings.resource_name
        ses.ReceiptRuleSet(
            self,
            "RuleSet",
            receipt_rule_set_name=self.rule_set_name,
            rules=[
                ses.ReceiptRuleOptions(
                    receipt_rule_name=RECEIPT_RULE_NAME,
                    recipients=settings.mail_domains,
                    scan_enabled=True,
                    # Refusing senders without STARTTLS would lose mail, not protect it.
                    tls_policy=ses.TlsPolicy.OPTIONAL,
                    actions=[
                        ses_actions.S3(
                            bucket=bucket,
                            object_key_prefix=INCOMING_PREFIX,
                            topic=self.received_topic,
                        )
                    ],
                )
            ],
        )

        self.configuration_set_name = settings.resource_name
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=self.configuration_set_name,
            reputation_metrics=True,
            sending_enabled=True,
        )
        self.configuration_set.add_event_destination(
            "Telemetry",
            destination=ses.EventDestination.sns_topic(self.events_topic),
            events=SENDING_EVENTS,
        )

    def enable_domain_management(self, grantee: lambda_.Function) -> None:
        """Let `grantee` manage SES domain identities (with this configuration set) and keep
        the receipt rule's recipients in step with them: the names in its environment, the
        permissions on its role."""
        grantee.add_environment("RECEIPT_RULE_SET_NAME", self.rule_set_name)
        grantee.add_environment("RECEIPT_RULE_NAME", RECEIPT_RULE_NAME)
        grantee.add_environment("SES_CONFIGURATION_SET", self.configuration_set_name)
        stack = Stack.of(self)
        arn = f"arn:{stack.partition}:ses:{stack.region}:{stack.account}"
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=[
                "ses:CreateEmailIdentity",
                "ses:GetEmailIdentity",
                "ses:DeleteEmailIdentity",
                "ses:PutEmailIdentityMailFromAttributes",
            ],
            resource_arns=[
                f"{arn}:identity/*",
                f"{arn}:configuration-set/{self.configuration_set_name}",
            ],
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ses:DescribeReceiptRule", "ses:UpdateReceiptRule"],
            resource_arns=["*"],
        )
        acknowledge(
            grantee,
            f"AwsSolutions-IAM5[Resource::arn:{stack.partition}:ses:{stack.region}"
            ":<AWS::AccountId>:identity/*]",
            "Customers register domains at run time, so the SES identities are not known at"
            " deploy time; the actions are limited to managing identities",
        )
        acknowledge(
            grantee,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray's trace actions, and SES's DescribeReceiptRule/UpdateReceiptRule (the domain"
            " verifier keeps the receipt rule's recipients in step), have no resource scoping",
        )
