import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.names import (
    MAX_LOCAL_PART_OCTETS,
    check_display_name,
    normalize_address,
    normalize_domain_name,
    normalize_local_part,
    unicode_domain_name,
)


def test_domain_names_are_lower_cased_without_trailing_dot() -> None:
    assert normalize_domain_name(" Mail.Example.COM. ") == "mail.example.com"


def test_international_domain_names_become_punycode_and_back() -> None:
    ascii_name = normalize_domain_name("Bücher.example")

    assert ascii_name == "xn--bcher-kva.example"
    assert unicode_domain_name(ascii_name) == "bücher.example"


def test_punycode_input_is_kept() -> None:
    assert normalize_domain_name("xn--bcher-kva.example") == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "localhost",
        "exa mple.com",
        "-bad.example.com",
        "bad-.example.com",
        "under_score.example.com",
        "a" * 64 + ".com",
        ".".join(["a" * 60] * 5) + ".com",
        "example.123",
        "example..com",
        "co.uk",
        "github.io",
        "com",
    ],
)
def test_malformed_domain_names_are_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_domain_name(name)

    assert caught.value.field == "name"


def test_local_parts_are_lower_cased() -> None:
    assert normalize_local_part(" Support.Team ") == "support.team"


@pytest.mark.parametrize(
    "local_part",
    ["", "support+tag", "a..b", ".a", "a.", "with space", "ünïcode", "a" * 65, 'quo"te'],
)
def test_malformed_local_parts_are_refused(local_part: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_local_part(local_part)

    assert caught.value.field == "local_part"


def test_a_local_part_of_64_characters_is_allowed() -> None:
    assert normalize_local_part("a" * MAX_LOCAL_PART_OCTETS) == "a" * 64


def test_display_names_are_trimmed_and_blank_means_none() -> None:
    assert check_display_name("  Support  ", field="display_name") == "Support"
    assert check_display_name("   ", field="display_name") is None
    assert check_display_name(None, field="display_name") is None


def test_display_names_are_header_text_where_tab_is_allowed() -> None:
    assert check_display_name("Support\tteam", field="display_name") == "Support\tteam"


@pytest.mark.parametrize(
    "value",
    [
        "Evil\r\nBcc: victim@example.com",
        "Evil\u2028Bcc: victim@example.com",
        "Evil\x85x",
        "Evil\vx",
        "Evil\x1dx",
        "Evil\x00",
        "Evil\x9b",
        "Evil\udc00",
        "x" * 201,
    ],
)
def test_display_names_that_could_break_a_header_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_display_name(value, field="from_name")

    assert caught.value.field == "from_name"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("b" * 65 + "@example.com", "before the @ is longer than 64 octets"),
        ("ü" * 33 + "@example.com", "before the @ is longer than 64 octets"),
        ("b@" + ".".join(["d" * 63] * 4) + ".example", "domain is longer than 255 octets"),
        ("b" * 64 + "@" + ".".join(["d" * 63] * 3) + ".ex", "address is longer than 254"),
        ("bounce\u2028@example.com", "line break"),
    ],
)
def test_addresses_given_to_a_domain_keep_to_rfc_5321(value: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as caught:
        normalize_address(value, field="bounce_address")

    assert caught.value.field == "bounce_address"


def test_an_address_of_254_octets_with_a_local_part_of_64_is_accepted() -> None:
    address = "b" * 64 + "@" + ".".join(["d" * 63] * 2) + "." + "e" * 53 + ".example"

    assert len(address) == 254
    assert normalize_address(address, field="reply_to") == address


def test_addresses_are_validated_and_domain_normalised() -> None:
    assert normalize_address("Bounce@Bücher.example", field="reply_to") == (
        "Bounce@xn--bcher-kva.example"
    )
    with pytest.raises(ValidationError) as caught:
        normalize_address("not an address", field="reply_to")
    assert caught.value.field == "reply_to"
