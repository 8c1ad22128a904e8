"""Amazon SES adapters: domain identities (SES v2) and the inbound receipt rule (SES v1)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mailman.domain.errors import DeliveryError
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
