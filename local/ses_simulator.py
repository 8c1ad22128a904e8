"""Makes moto's SES v2 behave like SES for domain identities, against the local DNS zone.

moto creates identities but hands out no Easy DKIM tokens, knows no MAIL FROM domains, and
calls every identity verified at once. Real SES issues three DKIM tokens, and reports DKIM as
SUCCESS only once it finds their CNAMEs in DNS; the same for the MAIL FROM MX. This plays that
part against the local zone, so the verifier's code sees what it would see in AWS.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from moto.ses.models import SESBackend
from moto.sesv2 import urls as sesv2_urls
from moto.sesv2.responses import SESV2Response

from local.dns_zone import LocalZone

_state: dict[str, Any] = {"zone": None, "mail_from": {}}


def dkim_tokens(domain: str) -> list[str]:
    """Three stable tokens per domain, shaped like SES's (32 lower-case base32-ish chars)."""
    return [hashlib.sha256(f"{domain}/{i}".encode()).hexdigest()[:32] for i in range(3)]


def _zone() -> LocalZone:
    zone = _state["zone"]
    assert isinstance(zone, LocalZone), "install() the simulator first"
    return zone


def _published(name: str, rtype: str, expected: str) -> bool:
    answers = _zone().answers(name, rtype) or []
    return any(expected.lower() in a.lower() for a in answers)


def _create_email_identity_v2(self: SESBackend, email_identity: str, *args: Any) -> Any:
    identity = _original_create(self, email_identity, *args)
    if "@" not in email_identity:
        identity.dkim_attributes.update(
            {"Tokens": dkim_tokens(email_identity), "Status": "PENDING", "SigningEnabled": True}
        )
        identity.verified_for_sending_status = False
    return identity


def _get_email_identity(self: SESV2Response) -> str:
    body: dict[str, Any] = json.loads(_original_get(self))
    domain = self._get_param("EmailIdentity")
    dkim = body.get("DkimAttributes") or {}
    tokens = dkim.get("Tokens") or []
    if tokens:
        signed = all(
            _published(f"{t}._domainkey.{domain}", "CNAME", f"{t}.dkim.amazonses.com")
            for t in tokens
        )
        dkim["Status"] = "SUCCESS" if signed else "PENDING"
        body["VerifiedForSendingStatus"] = signed
    mail_from = _state["mail_from"].get(domain)
    if mail_from:
        found = _published(mail_from["MailFromDomain"], "MX", "feedback-smtp.")
        body["MailFromAttributes"] = {
            **mail_from,
            "MailFromDomainStatus": "SUCCESS" if found else "PENDING",
        }
    return json.dumps(body)


def _put_email_identity_mail_from_attributes(self: SESV2Response) -> str:
    domain = self._get_param("EmailIdentity")
    self.sesv2_backend.get_email_identity(domain)  # NotFoundException for an unknown identity
    _state["mail_from"][domain] = {
        "MailFromDomain": self._get_param("MailFromDomain"),
        "BehaviorOnMxFailure": self._get_param("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE",
    }
    return "{}"


_original_create = SESBackend.create_email_identity_v2
_original_get = SESV2Response.get_email_identity


def install(zone: LocalZone) -> None:
    """Point the simulator at `zone` and patch moto (in this process); idempotent."""
    _state["zone"] = zone
    SESBackend.create_email_identity_v2 = _create_email_identity_v2  # type: ignore[method-assign,assignment]
    SESV2Response.get_email_identity = _get_email_identity  # type: ignore[method-assign]
    SESV2Response.put_email_identity_mail_from_attributes = (  # type: ignore[attr-defined]
        _put_email_identity_mail_from_attributes
    )
    # moto's server routes by these patterns; this one is not among them.
    sesv2_urls.url_paths["{0}/v2/email/identities/(?P<EmailIdentity>[^/]+)/mail-from$"] = (
        SESV2Response.dispatch
    )
