"""Who may claim a domain name. Pure.

Several organisations may claim one name while nobody has proved it theirs: a claim that is
pending or failed blocks no one. The first claim to verify (its own ownership record among
the others, see `dns_records.ownership_record`) holds the name: later claims of it, or of a
name under it, by other organisations are refused, and the claims still pending fail. What
a refusal says is the same whatever another organisation holds, and names no one.

Some names are never anyone's to claim: public suffixes (refused with the name's syntax, in
`names`), the domains of well-known mailbox providers, SES's and AWS's own, and the
platform's own (configured per deployment), each with every name under it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from uuid import UUID

from mailman.domain.errors import Conflict, ValidationError
from mailman.domain.models import Domain, DomainStatus
from mailman.domain.names import _public_suffixes

MAX_LIVE_CLAIMS = 100
"""Domains an organisation holds at once, pending and failed ones included: each claim holds
an SES identity, and an AWS account has 10,000 in a region."""


def refuse_another(live: int) -> None:
    """Raise Conflict when an organisation holding `live` domains may hold no more."""
    if live >= MAX_LIVE_CLAIMS:
        raise Conflict(
            f"an organisation holds at most {MAX_LIVE_CLAIMS} domains (pending and failed ones "
            "included); delete one it no longer uses first",
            field="name",
        )


MAILBOX_PROVIDER_DOMAINS: frozenset[str] = frozenset(
    {
        # Google, Microsoft, Apple, Yahoo, AOL
        "gmail.com",
        "googlemail.com",
        "google.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "ymail.com",
        "rocketmail.com",
        "aol.com",
        "aim.com",
        # Privacy and independent providers
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "tutanota.com",
        "tutanota.de",
        "tuta.io",
        "fastmail.com",
        "hey.com",
        "zoho.com",
        "zohomail.com",
        "mail.com",
        # Europe
        "web.de",
        "t-online.de",
        "freenet.de",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "btinternet.com",
        # Russia, China, Korea, India
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "ya.ru",
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sohu.com",
        "aliyun.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "rediffmail.com",
        # North American access providers
        "comcast.net",
        "att.net",
        "verizon.net",
    }
)
"""Domains of mailbox providers: their users' mail is theirs, never a tenant's."""

MAILBOX_PROVIDER_BRANDS: frozenset[str] = frozenset(
    {"gmx", "yandex", "yahoo", "hotmail", "outlook", "gmail"}
)
"""Providers holding their name under many suffixes (gmx.de, gmx.net, yandex.com.tr,
yahoo.co.jp, hotmail.fr...): `<brand>.<any public suffix>` is theirs."""

AWS_DOMAINS: frozenset[str] = frozenset(
    {"amazonses.com", "amazonaws.com", "amazon.com", "amazon", "aws", "awsapps.com"}
)
"""SES's and AWS's own (with `aws` and `amazon`, the top-level domains): mail from them is
trusted as Amazon's."""

AWS_BRANDS: frozenset[str] = frozenset({"amazon", "amazonses", "amazonaws"})
"""`amazon.co.uk`, `amazon.de`...: Amazon's under every suffix."""


def _under(name: str, parent: str) -> bool:
    return name == parent or name.endswith("." + parent)


def _brand(name: str) -> str | None:
    """The label before the public suffix (`gmx` of `mail.gmx.co.uk`), if the name has one."""
    registrable = _public_suffixes().privatesuffix(name)
    return registrable.split(".", 1)[0] if registrable else None


def refuse_unclaimable(name: str, reserved: Collection[str] = (), *, field: str = "name") -> None:
    """Raise ValidationError when `name` (normalised) is no one's to claim: a mailbox
    provider's, SES's or AWS's, or under one of `reserved` (the platform's own domains)."""
    brand = _brand(name)
    if any(_under(name, d) for d in AWS_DOMAINS) or brand in AWS_BRANDS:
        raise ValidationError(
            f"{name} belongs to Amazon SES or AWS and cannot be added", field=field
        )
    if any(_under(name, d) for d in MAILBOX_PROVIDER_DOMAINS) or brand in MAILBOX_PROVIDER_BRANDS:
        raise ValidationError(
            f"{name} belongs to a mailbox provider and cannot be added: add a domain you control",
            field=field,
        )
    if any(_under(name, d.strip().rstrip(".").lower()) for d in reserved if d.strip()):
        raise ValidationError(f"{name} is reserved by this platform", field=field)


def name_and_parents(name: str) -> list[str]:
    """`name` and every name above it that is not a public suffix (`a.b.example.com`:
    itself, `b.example.com`, `example.com`)."""
    labels = name.split(".")
    found = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return [n for n in found if not _public_suffixes().is_public(n)]


class VerifiedElsewhere(Conflict):
    """A claim could not be stored as verified: another organisation's claim of its name was
    verified first (the two checks overlapped)."""


def in_use_by_another_account(name: str, *, field: str = "name") -> Conflict:
    return Conflict(f"{name} is in use by another account", field=field)


def already_held(name: str, *, field: str = "name") -> Conflict:
    return Conflict(f"this account already has the domain {name}", field=field)


def refuse_claim(organization_id: UUID, name: str, claims: Iterable[Domain]) -> None:
    """Raise Conflict unless `organization_id` may claim `name`, given the live claims of it
    and of the names above it (`name_and_parents`), of every organisation.

    Refused: a second live claim of a name by one organisation; a name, or a name under one,
    that another organisation verified. Its own verified domains' subdomains are fine, and so
    are names only pending or failed elsewhere.
    """
    for claim in claims:
        if claim.organization_id == organization_id:
            if claim.name == name:
                raise already_held(name)
        elif claim.status is DomainStatus.VERIFIED:
            raise in_use_by_another_account(name)
