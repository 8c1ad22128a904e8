"""Amazon SES adapters: domain identities and sending (SES v2), the inbound receipt rule
(SES v1)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

from mailman.domain.errors import DeliveryError, DeliveryUncertain
from mailman.domain.verification import SesIdentity

# SES applies a receipt rule with no recipients to every recipient, so the list is never left
# empty: this name, which no mail can be addressed to, holds the place.
NO_RECIPIENTS = "no-recipients.invalid"
_NOT_FOUND = {"NotFoundException", "RuleDoesNotExist", "RuleSetDoesNotExist"}
_TRANSIENT = {"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceeded"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _failure(action: str, exc: Exception) -> DeliveryError:
    if isinstance(exc, ClientError):
        code = _code(exc)
        return DeliveryError(f"SES refused to {action}: {code}", transient=code in _TRANSIENT)
    return DeliveryError(f"SES could not be reached to {action}", transient=True)


def _identity(response: dict[str, Any]) -> SesIdentity:
    dkim = response.get("DkimAttributes") or {}
    mail_from = response.get("MailFromAttributes") or {}
    return SesIdentity(
        dkim_tokens=tuple(dkim.get("Tokens") or ()),
        dkim_status=dkim.get("Status"),
        mail_from_status=mail_from.get("MailFromDomainStatus"),
    )


class SesDomainIdentities:
    """Domain identities with Easy DKIM (2048-bit keys) and a custom MAIL FROM domain."""

    def __init__(self, client: Any, configuration_set: str | None = None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    def create(self, domain: str, mail_from_domain: str) -> SesIdentity:
        request: dict[str, Any] = {
            "EmailIdentity": domain,
            "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            try:
                self._client.create_email_identity(**request)
            except ClientError as exc:
                if _code(exc) != "AlreadyExistsException":
                    raise
            self._client.put_email_identity_mail_from_attributes(
                EmailIdentity=domain,
                MailFromDomain=mail_from_domain,
                BehaviorOnMxFailure="USE_DEFAULT_VALUE",
            )
            return _identity(self._client.get_email_identity(EmailIdentity=domain))
        except (ClientError, BotoCoreError) as exc:
            raise _failure("create the domain identity", exc) from exc

    def get(self, domain: str) -> SesIdentity | None:
        try:
            return _identity(self._client.get_email_identity(EmailIdentity=domain))
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise _failure("read the domain identity", exc) from exc
        except BotoCoreError as exc:
            raise _failure("read the domain identity", exc) from exc

    def delete(self, domain: str) -> None:
        try:
            self._client.delete_email_identity(EmailIdentity=domain)
        except ClientError as exc:
            if _code(exc) not in _NOT_FOUND:
                raise _failure("delete the domain identity", exc) from exc
        except BotoCoreError as exc:
            raise _failure("delete the domain identity", exc) from exc


class SesReceiptRecipients:
    """Keeps the inbound receipt rule's recipient list to the domains verified for receiving."""

    def __init__(self, client: Any, rule_set: str, rule: str) -> None:
        self._client = client
        self._rule_set = rule_set
        self._rule = rule

    def reconcile(self, receiving: Collection[str], not_receiving: Collection[str]) -> None:
        wanted = {d.lower() for d in receiving}
        unwanted = {d.lower() for d in not_receiving} | {NO_RECIPIENTS}
        try:
            rule = self._client.describe_receipt_rule(
                RuleSetName=self._rule_set, RuleName=self._rule
            )["Rule"]
            current = rule.get("Recipients", [])
            kept = [r for r in current if r.lower() not in unwanted | wanted]
            recipients = sorted(kept + sorted(wanted)) or [NO_RECIPIENTS]
            if sorted(recipients) == sorted(current):
                return
            rule["Recipients"] = recipients
            self._client.update_receipt_rule(RuleSetName=self._rule_set, Rule=rule)
        except (ClientError, BotoCoreError) as exc:
            raise _failure("update the receipt rule", exc) from exc

    def allow(self, domain: str) -> None:
        self.reconcile([domain], [])

    def disallow(self, domain: str) -> None:
        self.reconcile([], [domain])


# SES took none of these: the same request may be made again later.
_SEND_AGAIN = _TRANSIENT | {
    "TooManyRequests",
    "LimitExceededException",
    "SendingPausedException",
    "ServiceUnavailable",
}
# The request reached SES and its answer was lost or garbled: SES may have taken the mail.
_MAYBE_TAKEN = {"InternalFailure", "InternalServerError", "InternalError"}


class SesMailer:
    """Sends raw MIME with SES v2 `SendEmail`, through the configuration set, tagged.

    The client must make one attempt per call (botocore's retries off): a retry after a read
    timeout could hand SES the mail twice, and SES takes no idempotency token. So each
    failure is judged here: refused (permanent), surely not taken (transient: the queue
    tries again later), or perhaps taken (`DeliveryUncertain`: left to SES's Send event).
    """

    def __init__(self, client: Any, configuration_set: str | None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    def send(self, raw: bytes, *, destinations: Sequence[str], tags: Mapping[str, str]) -> str:
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": list(destinations)},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": k, "Value": v} for k, v in tags.items()],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            return str(self._client.send_email(**request)["MessageId"])
        except ClientError as exc:
            code = _code(exc)
            if code in _MAYBE_TAKEN:
                raise DeliveryUncertain(f"SES failed while sending: {code}") from exc
            message = str(exc.response.get("Error", {}).get("Message", ""))[:200]
            raise DeliveryError(
                f"SES refused the message: {code} {message}".rstrip(),
                transient=code in _SEND_AGAIN,
            ) from exc
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            raise DeliveryError("SES could not be reached", transient=True) from exc
        except BotoCoreError as exc:
            raise DeliveryUncertain(f"SES did not answer: {type(exc).__name__}") from exc
