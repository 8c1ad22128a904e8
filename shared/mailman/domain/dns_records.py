"""The DNS records a domain publishes for SES, and how an observed answer is judged.

Pure: the resolver (an adapter) gathers the answers, this module decides what they mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

MAIL_FROM_LABEL = "bounce"
DMARC_REPORT_LOCAL_PART = "dmarc-reports"
OWNERSHIP_LABEL = "_mailman"
"""The name under the domain where each claim of it publishes its own token."""
OWNERSHIP_PREFIX = "mailman-verification="


class RecordPurpose(StrEnum):
    DKIM = "dkim"
    RECEIVING_MX = "receiving_mx"
    MAIL_FROM_MX = "mail_from_mx"
    MAIL_FROM_SPF = "mail_from_spf"
    DMARC = "dmarc"
    OWNERSHIP = "ownership"


class RecordStatus(StrEnum):
    MISSING = "missing"
    WRONG = "wrong"
    VERIFIED = "verified"
    UNKNOWN = "unknown"
    """The lookup itself failed (timeout, server failure): nothing is known either way."""


_PURPOSE_TEXT = {
    RecordPurpose.DKIM: "DKIM: lets SES sign your mail so receivers trust it",
    RecordPurpose.RECEIVING_MX: "Receiving: routes mail for the domain to SES",
    RecordPurpose.MAIL_FROM_MX: "Bounces: routes bounces for the MAIL FROM domain to SES",
    RecordPurpose.MAIL_FROM_SPF: "SPF: authorises SES to send for the MAIL FROM domain",
    RecordPurpose.DMARC: "DMARC: tells receivers how to treat mail failing SPF and DKIM",
    RecordPurpose.OWNERSHIP: (
        "Ownership: proves this account controls the domain; the first account to verify a "
        "domain holds it"
    ),
}


@dataclass(frozen=True)
class DnsRecord:
    purpose: RecordPurpose
    type: str
    name: str
    value: str
    priority: int | None = None

    @property
    def description(self) -> str:
        return _PURPOSE_TEXT[self.purpose]

    @property
    def rdata(self) -> str:
        """The record's data as a zone file writes it."""
        if self.type == "MX":
            return f"{self.priority} {self.value}."
        if self.type == "CNAME":
            return f"{self.value}."
        return '"' + self.value.replace('"', '\\"') + '"'


@dataclass(frozen=True)
class RecordCheck:
    status: RecordStatus
    found: tuple[str, ...] = ()
    detail: str | None = None


def mail_from_domain(domain: str) -> str:
    return f"{MAIL_FROM_LABEL}.{domain}"


def dmarc_report_address(domain: str) -> str:
    return f"{DMARC_REPORT_LOCAL_PART}@{domain}"


def ownership_record(domain: str, token: str) -> DnsRecord:
    """The TXT record that proves one claim of `domain` (its own `token`).

    Several organisations' claims of a name share one SES identity, so its DKIM and MX records
    satisfy every claim alike: only this record tells them apart.
    """
    return DnsRecord(
        RecordPurpose.OWNERSHIP, "TXT", f"{OWNERSHIP_LABEL}.{domain}", f"{OWNERSHIP_PREFIX}{token}"
    )


def required_records(
    domain: str, dkim_tokens: Sequence[str], region: str, ownership_token: str
) -> list[DnsRecord]:
    """Every record `domain` must publish to send and receive through SES in `region`, and
    to prove that the claim with `ownership_token` is its owner's."""
    bounce = mail_from_domain(domain)
    records = [
        DnsRecord(
            RecordPurpose.DKIM, "CNAME", f"{t}._domainkey.{domain}", f"{t}.dkim.amazonses.com"
        )
        for t in dkim_tokens
    ]
    records += [
        DnsRecord(
            RecordPurpose.RECEIVING_MX, "MX", domain, f"inbound-smtp.{region}.amazonaws.com", 10
        ),
        DnsRecord(
            RecordPurpose.MAIL_FROM_MX, "MX", bounce, f"feedback-smtp.{region}.amazonses.com", 10
        ),
        DnsRecord(RecordPurpose.MAIL_FROM_SPF, "TXT", bounce, "v=spf1 include:amazonses.com ~all"),
        DnsRecord(
            RecordPurpose.DMARC,
            "TXT",
            f"_dmarc.{domain}",
            f"v=DMARC1; p=none; rua=mailto:{dmarc_report_address(domain)}",
        ),
        ownership_record(domain, ownership_token),
    ]
    return records


def _host(value: str) -> str:
    return value.strip().rstrip(".").lower()


def _check_cname(record: DnsRecord, answers: Sequence[str]) -> RecordCheck:
    if any(_host(a) == _host(record.value) for a in answers):
        return RecordCheck(RecordStatus.VERIFIED, tuple(answers))
    return RecordCheck(RecordStatus.WRONG, tuple(answers), f"points to {', '.join(answers)}")


def _check_mx(record: DnsRecord, answers: Sequence[str]) -> RecordCheck:
    parsed: list[tuple[int, str]] = []
    for answer in answers:
        preference, _, host = answer.strip().partition(" ")
        if preference.isdigit():
            parsed.append((int(preference), _host(host)))
    ours = [p for p, host in parsed if host == _host(record.value)]
    if not ours:
        return RecordCheck(
            RecordStatus.WRONG, tuple(answers), f"MX points elsewhere: {', '.join(answers)}"
        )
    best = min(p for p, _ in parsed)
    if min(ours) > best:
        return RecordCheck(
            RecordStatus.WRONG,
            tuple(answers),
            "another MX record has a better (lower) preference, so mail goes there first",
        )
    return RecordCheck(RecordStatus.VERIFIED, tuple(answers))


def _check_spf(record: DnsRecord, answers: Sequence[str]) -> RecordCheck:
    spf = [a for a in answers if a.strip().lower().startswith("v=spf1")]
    if not spf:
        return RecordCheck(RecordStatus.MISSING, tuple(answers), "no SPF record (v=spf1) found")
    if len(spf) > 1:
        return RecordCheck(
            RecordStatus.WRONG, tuple(spf), "more than one SPF record: receivers reject that"
        )
    if "include:amazonses.com" not in spf[0].lower().split():
        return RecordCheck(RecordStatus.WRONG, tuple(spf), "SPF does not include:amazonses.com")
    return RecordCheck(RecordStatus.VERIFIED, tuple(spf))


_DMARC_POLICY = re.compile(r"(?:^|;)\s*p\s*=\s*(none|quarantine|reject)\s*(?:;|$)", re.IGNORECASE)


def _check_dmarc(record: DnsRecord, answers: Sequence[str]) -> RecordCheck:
    dmarc = [a for a in answers if a.strip().lower().startswith("v=dmarc1")]
    if not dmarc:
        return RecordCheck(RecordStatus.MISSING, tuple(answers), "no DMARC record (v=DMARC1)")
    if len(dmarc) > 1:
        return RecordCheck(
            RecordStatus.WRONG, tuple(dmarc), "more than one DMARC record: receivers ignore all"
        )
    if not _DMARC_POLICY.search(dmarc[0]):
        return RecordCheck(RecordStatus.WRONG, tuple(dmarc), "DMARC record has no valid p= tag")
    return RecordCheck(RecordStatus.VERIFIED, tuple(dmarc))


def _check_ownership(record: DnsRecord, answers: Sequence[str]) -> RecordCheck:
    if any(a.strip().lower() == record.value.lower() for a in answers):
        return RecordCheck(RecordStatus.VERIFIED, tuple(answers))
    tokens = [a for a in answers if a.strip().lower().startswith(OWNERSHIP_PREFIX)]
    if tokens:
        return RecordCheck(
            RecordStatus.WRONG,
            tuple(tokens),
            "holds other verification tokens, not this one (several may stand side by side)",
        )
    return RecordCheck(
        RecordStatus.MISSING, tuple(answers), f"no {OWNERSHIP_PREFIX} record at {record.name}"
    )


_TXT_CHECKS = {RecordPurpose.DMARC: _check_dmarc, RecordPurpose.OWNERSHIP: _check_ownership}


def check(record: DnsRecord, answers: Sequence[str] | None) -> RecordCheck:
    """Judge the answers a lookup of `record.name` / `record.type` gave (None: lookup failed)."""
    if answers is None:
        return RecordCheck(RecordStatus.UNKNOWN, (), "the DNS lookup failed or timed out")
    if not answers:
        return RecordCheck(RecordStatus.MISSING, (), f"no {record.type} record at {record.name}")
    if record.type == "CNAME":
        return _check_cname(record, answers)
    if record.type == "MX":
        return _check_mx(record, answers)
    return _TXT_CHECKS.get(record.purpose, _check_spf)(record, answers)


def zone_snippet(domain: str, records: Iterable[DnsRecord], ttl: int = 3600) -> str:
    """The records as a BIND zone file snippet, names relative to the domain's origin."""
    lines = [f"$ORIGIN {domain}.", f"$TTL {ttl}"]
    for record in records:
        relative = record.name[: -len(domain)].rstrip(".") if record.name != domain else "@"
        lines.append(f"{relative:<40} IN {record.type:<5} {record.rdata}")
    return "\n".join(lines) + "\n"
