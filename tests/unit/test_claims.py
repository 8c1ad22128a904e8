from datetime import UTC, datetime
from uuid import uuid4

import pytest

from mailman.domain.claims import name_and_parents, refuse_claim, refuse_unclaimable
from mailman.domain.errors import Conflict, ValidationError
from mailman.domain.models import Domain, DomainStatus

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
MINE = uuid4()
THEIRS = uuid4()


def _claim(name: str, organization_id: object, status: DomainStatus) -> Domain:
    return Domain(
        id=uuid4(),
        organization_id=organization_id,
        name=name,
        unicode_name=name,
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    "name",
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "mail.ru",
        "yandex.ru",
        "yandex.com.tr",
        "qq.com",
        "163.com",
        "yahoo.co.jp",
        "hotmail.fr",
        "inbound.gmail.com",
    ],
)
def test_mailbox_providers_domains_are_no_ones_to_claim(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        refuse_unclaimable(name)

    assert caught.value.field == "name"
    assert "mailbox provider" in caught.value.message


@pytest.mark.parametrize(
    "name",
    [
        "amazonses.com",
        "email.amazonses.com",
        "amazonaws.com",
        "inbound-smtp.us-east-1.amazonaws.com",
        "amazon.com",
        "amazon.co.uk",
        "console.aws",
        "store.amazon",
    ],
)
def test_ses_and_aws_domains_are_no_ones_to_claim(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        refuse_unclaimable(name)

    assert caught.value.field == "name"
    assert "Amazon SES or AWS" in caught.value.message


def test_the_platforms_own_domains_and_names_under_them_are_reserved() -> None:
    reserved = ["mail.example.com", " Inbound.Example.NET. "]

    for name in ("mail.example.com", "x.mail.example.com", "inbound.example.net"):
        with pytest.raises(ValidationError) as caught:
            refuse_unclaimable(name, reserved)
        assert caught.value.field == "name"
        assert "reserved" in caught.value.message
    refuse_unclaimable("example.com", reserved)


@pytest.mark.parametrize(
    "name",
    ["example.com", "gmail-support.example", "mygmx.de", "notgmail.com", "hotmail.example.com"],
)
def test_ordinary_names_that_resemble_providers_may_be_claimed(name: str) -> None:
    refuse_unclaimable(name)


def test_a_name_is_checked_with_every_registrable_name_above_it() -> None:
    assert name_and_parents("a.b.example.co.uk") == [
        "a.b.example.co.uk",
        "b.example.co.uk",
        "example.co.uk",
    ]
    assert name_and_parents("example.com") == ["example.com"]


def test_names_only_pending_or_failed_elsewhere_may_be_claimed() -> None:
    refuse_claim(
        MINE,
        "example.com",
        [
            _claim("example.com", THEIRS, DomainStatus.PENDING),
            _claim("example.com", uuid4(), DomainStatus.FAILED),
        ],
    )


def test_a_name_another_account_verified_is_refused_without_saying_whose() -> None:
    with pytest.raises(Conflict) as caught:
        refuse_claim(MINE, "example.com", [_claim("example.com", THEIRS, DomainStatus.VERIFIED)])

    assert caught.value.message == "example.com is in use by another account"
    assert caught.value.field == "name"
    assert str(THEIRS) not in caught.value.message


def test_a_subdomain_of_another_accounts_verified_domain_is_refused_alike() -> None:
    with pytest.raises(Conflict) as caught:
        refuse_claim(
            MINE, "mail.example.com", [_claim("example.com", THEIRS, DomainStatus.VERIFIED)]
        )

    assert caught.value.message == "mail.example.com is in use by another account"


def test_a_subdomain_of_ones_own_verified_domain_may_be_claimed() -> None:
    refuse_claim(MINE, "mail.example.com", [_claim("example.com", MINE, DomainStatus.VERIFIED)])


def test_an_account_holds_one_live_claim_of_a_name() -> None:
    with pytest.raises(Conflict) as caught:
        refuse_claim(MINE, "example.com", [_claim("example.com", MINE, DomainStatus.FAILED)])

    assert caught.value.message == "this account already has the domain example.com"
