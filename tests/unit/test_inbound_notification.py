import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from functions.inbound.notification import ReceivedNotification
from mailman.adapters.sns import SnsEnvelope
from mailman.domain.inbound import InboundMail, quarantine_reason, raw_key

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "events" / "ses_received_s3_action.json"
)


def test_the_s3_action_notification_becomes_an_inbound_mail() -> None:
    notification = ReceivedNotification.model_validate_json(FIXTURE.read_text())

    mail = notification.inbound()

    assert mail.source == "ses"
    assert mail.source_id == "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"
    assert mail.raw_key == "raw/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"
    assert mail.envelope_recipients == ("support@example.com",)
    assert mail.verdicts == {
        "spam": "PASS",
        "virus": "PASS",
        "spf": "PASS",
        "dkim": "PASS",
        "dmarc": "FAIL",
    }
    assert mail.dmarc_policy == "reject"
    assert mail.received_at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_the_sns_envelope_carries_the_notification_as_a_string() -> None:
    body = json.dumps({"Type": "Notification", "Message": FIXTURE.read_text()})

    envelope = SnsEnvelope.model_validate_json(body)

    assert ReceivedNotification.model_validate_json(envelope.message).mail.message_id


def test_a_notification_without_its_action_is_refused() -> None:
    broken = json.loads(FIXTURE.read_text())
    del broken["receipt"]["action"]

    with pytest.raises(ValidationError):
        ReceivedNotification.model_validate(broken)


def _mail(**verdicts: str) -> InboundMail:
    return InboundMail("ses", "x", datetime(2026, 1, 1, tzinfo=UTC), verdicts=verdicts)


def test_quarantine_follows_the_parser_then_the_virus_then_a_rejecting_dmarc() -> None:
    rejecting = InboundMail(
        "ses",
        "x",
        datetime(2026, 1, 1, tzinfo=UTC),
        verdicts={"dmarc": "FAIL"},
        dmarc_policy="reject",
    )

    assert quarantine_reason(_mail(), "too_many_parts") == "too_many_parts"
    assert quarantine_reason(_mail(virus="FAIL"), None) == "virus"
    assert quarantine_reason(rejecting, None) == "dmarc_reject"
    assert quarantine_reason(_mail(dmarc="FAIL"), None) is None
    assert quarantine_reason(_mail(spam="FAIL"), None) is None


def test_raw_keys_are_dated_and_never_shared_by_different_content() -> None:
    at = datetime(2026, 11, 21, tzinfo=UTC)

    first = raw_key("<1@x>", "a" * 64, at)
    other = raw_key("<1@x>", "b" * 64, at)

    assert first.startswith("raw/2026/11/21/")
    assert first.endswith(".eml")
    assert first != other
