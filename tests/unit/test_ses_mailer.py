"""How `SesMailer` judges what SES answered: taken, refused, surely not taken (try later),
perhaps taken (never try again). No network: botocore's Stubber, or a client that raises."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from mailman.adapters.ses import SesMailer
from mailman.domain.errors import DeliveryError, DeliveryUncertain

RAW = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: x\r\n\r\nx\r\n"


def _client() -> Any:
    return boto3.client(
        "sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _send(mailer: SesMailer) -> str:
    return mailer.send(RAW, destinations=["b@example.org"], tags={"mailman_message_id": "m-1"})


def test_a_taken_message_answers_ses_id_and_is_sent_through_the_set_tagged() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "send_email",
            {"MessageId": "ses-1"},
            {
                "Destination": {"ToAddresses": ["b@example.org"]},
                "Content": {"Raw": {"Data": RAW}},
                "EmailTags": [{"Name": "mailman_message_id", "Value": "m-1"}],
                "ConfigurationSetName": "mailman-dev",
            },
        )
        assert _send(SesMailer(client, "mailman-dev")) == "ses-1"


@pytest.mark.parametrize(
    ("code", "status", "transient"),
    [
        ("TooManyRequestsException", 429, True),
        ("LimitExceededException", 400, True),
        ("SendingPausedException", 400, True),
        ("ServiceUnavailable", 503, True),
        ("MessageRejected", 400, False),
        ("MailFromDomainNotVerifiedException", 400, False),
        ("AccountSuspendedException", 400, False),
    ],
)
def test_a_refusal_is_transient_only_when_ses_surely_did_not_take_the_mail(
    code: str, status: int, transient: bool
) -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("send_email", code, "no", http_status_code=status)
        with pytest.raises(DeliveryError) as raised:
            _send(SesMailer(client, None))

    assert not isinstance(raised.value, DeliveryUncertain)
    assert raised.value.transient is transient
    assert code in raised.value.message


def test_an_internal_failure_may_have_taken_the_mail() -> None:
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error("send_email", "InternalFailure", "oops", http_status_code=500)
        with pytest.raises(DeliveryUncertain):
            _send(SesMailer(client, None))


class _Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def send_email(self, **request: Any) -> Any:
        raise self.error


def test_no_connection_is_transient_but_a_read_timeout_is_uncertain() -> None:
    unreachable = SesMailer(_Raising(EndpointConnectionError(endpoint_url="https://ses")), None)
    timed_out = SesMailer(_Raising(ReadTimeoutError(endpoint_url="https://ses")), None)

    with pytest.raises(DeliveryError) as raised:
        _send(unreachable)
    assert raised.value.transient
    assert not isinstance(raised.value, DeliveryUncertain)
    with pytest.raises(DeliveryUncertain):
        _send(timed_out)
