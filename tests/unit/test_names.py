import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.names import (
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


def test_display_names_are_trimmed_and_blank_means_none() -> None:
    assert check_display_name("  Support  ", field="display_name") == "Support"
    assert check_display_name("   ", field="display_name") is None
    assert check_display_name(None, field="display_name") is None


@pytest.mark.parametrize("value", ["Evil\r\nBcc: victim@example.com", "tab\there", "x" * 201])
def test_display_names_that_could_break_a_header_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_display_name(value, field="from_name")

    assert caught.value.field == "from_name"


def test_addresses_are_validated_and_domain_normalised() -> None:
    assert normalize_address("Bounce@Bücher.example", field="reply_to") == (
        "Bounce@xn--bcher-kva.example"
    )
    with pytest.raises(ValidationError) as caught:
        normalize_address("not an address", field="reply_to")
    assert caught.value.field == "reply_to"
