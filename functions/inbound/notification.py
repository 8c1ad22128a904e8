"""The SES "Received" notification of a receipt rule's S3 action, as SNS delivers it to SQS."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mailman.domain.inbound import InboundMail


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ReceiptVerdict(_Model):
    status: str


class Action(_Model):
    type: str
    bucket_name: str = Field(alias="bucketName")
    object_key: str = Field(alias="objectKey")


class Receipt(_Model):
    timestamp: datetime
    recipients: list[str]
    action: Action
    spam_verdict: ReceiptVerdict | None = Field(default=None, alias="spamVerdict")
    virus_verdict: ReceiptVerdict | None = Field(default=None, alias="virusVerdict")
    spf_verdict: ReceiptVerdict | None = Field(default=None, alias="spfVerdict")
    dkim_verdict: ReceiptVerdict | None = Field(default=None, alias="dkimVerdict")
    dmarc_verdict: ReceiptVerdict | None = Field(default=None, alias="dmarcVerdict")
    dmarc_policy: str | None = Field(default=None, alias="dmarcPolicy")


class SesMail(_Model):
    message_id: str = Field(alias="messageId")
    timestamp: datetime


class ReceivedNotification(_Model):
    notification_type: str = Field(alias="notificationType")
    receipt: Receipt
    mail: SesMail

    def inbound(self) -> InboundMail:
        receipt = self.receipt
        verdicts = {
            name: verdict.status
            for name, verdict in (
                ("spam", receipt.spam_verdict),
                ("virus", receipt.virus_verdict),
                ("spf", receipt.spf_verdict),
                ("dkim", receipt.dkim_verdict),
                ("dmarc", receipt.dmarc_verdict),
            )
            if verdict is not None
        }
        return InboundMail(
            source="ses",
            source_id=self.mail.message_id,
            received_at=receipt.timestamp,
            envelope_recipients=tuple(receipt.recipients),
            raw_key=receipt.action.object_key,
            verdicts=verdicts,
            dmarc_policy=receipt.dmarc_policy,
        )
