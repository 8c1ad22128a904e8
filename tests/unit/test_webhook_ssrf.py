"""The SSRF matrix: which receivers a webhook may be sent to. Every class of address that is
not a public one is refused, however it is spelled, and the local platform's switch lets
loopback and private receivers through, never the metadata service."""

from __future__ import annotations

import ipaddress

import pytest

from mailman.domain.errors import ValidationError
from mailman.domain.webhook_targets import parse_target, refusal, refusals


def _refusal(text: str, *, allow_private: bool = False) -> str | None:
    return refusal(ipaddress.ip_address(text), allow_private=allow_private)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("10.255.255.255", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("192.168.255.255", "private"),
        ("169.254.0.1", "link-local"),
        ("169.254.255.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared"),
        ("100.127.255.255", "shared"),
        ("fc00::1", "unique-local"),
        ("fd12:3456:789a::1", "unique-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address judged, not bound
        ("::", "unspecified"),
    ],
)
def test_every_class_of_address_that_is_not_public_is_refused(address: str, reason: str) -> None:
    assert _refusal(address) == reason


@pytest.mark.parametrize(
    "address",
    [
        "0.1.2.3",  # "this network"
        "192.0.0.1",  # IETF protocol assignments
        "192.0.2.1",  # documentation (TEST-NET-1)
        "198.18.0.1",  # benchmarking
        "198.51.100.1",  # documentation (TEST-NET-2)
        "203.0.113.1",  # documentation (TEST-NET-3)
        "240.0.0.1",  # reserved for future use
        "255.255.255.255",  # broadcast
        "2001:db8::1",  # documentation
        "100::1",  # discard-only
        "2001:10::1",  # ORCHID
        "fec0::1",  # site-local (deprecated)
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b:1::a00:1",  # local-use NAT64
    ],
)
def test_what_is_not_globally_routable_is_refused(address: str) -> None:
    assert _refusal(address) is not None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("::ffff:100.64.0.1", "shared"),
        ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "metadata"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
    ],
)
def test_an_ipv6_address_carrying_an_ipv4_one_is_judged_by_it(address: str, reason: str) -> None:
    assert _refusal(address) == reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "172.15.255.255",  # just below 172.16/12
        "172.32.0.0",  # just above
        "100.63.255.255",  # just below 100.64/10
        "100.128.0.0",  # just above
        "11.0.0.1",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",  # mapped public
        "64:ff9b::808:808",  # NAT64 of a public address
        "2002:808:808::1",  # 6to4 of a public address
    ],
)
def test_public_addresses_are_accepted(address: str) -> None:
    assert _refusal(address) is None
    assert _refusal(address, allow_private=True) is None


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "10.0.0.1", "192.168.1.20", "fd12::1", "::ffff:127.0.0.1"]
)
def test_the_local_platform_lets_loopback_and_private_receivers_through(address: str) -> None:
    assert _refusal(address) is not None
    assert _refusal(address, allow_private=True) is None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address judged, not bound
    ],
)
def test_the_metadata_service_and_other_classes_stay_refused_on_the_local_platform(
    address: str, reason: str
) -> None:
    assert _refusal(address, allow_private=True) == reason


def test_refusals_lists_each_address_refused_with_why() -> None:
    addresses = [ipaddress.ip_address(a) for a in ("93.184.216.34", "10.1.2.3", "::1")]

    found = refusals(addresses)

    assert [(str(a), why) for a, why in found] == [("10.1.2.3", "private"), ("::1", "loopback")]


@pytest.mark.parametrize(
    ("url", "spelled"),
    [
        ("https://2130706433/", "127.0.0.1"),  # decimal
        ("https://0x7f000001/", "127.0.0.1"),  # hex
        ("https://0X7F000001/", "127.0.0.1"),
        ("https://017700000001/", "127.0.0.1"),  # octal
        ("https://0177.0.0.1/", "127.0.0.1"),  # octal part
        ("https://0x7f.1/", "127.0.0.1"),  # hex part, two parts
        ("https://0x7f.0.0.0x1/", "127.0.0.1"),
        ("https://127.1/", "127.0.0.1"),  # two parts
        ("https://127.0.1/", "127.0.0.1"),  # three parts
        ("https://127.0.0.1./", "127.0.0.1"),  # trailing dot
        ("https://0xa9fea9fe/", "169.254.169.254"),
        ("https://2852039166/", "169.254.169.254"),
        ("https://012.0.0.1/", "10.0.0.1"),
        ("https://0/", "0.0.0.0"),  # noqa: S104 - an address judged, not bound
        ("https://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "127.0.0.1"),  # full-width digits
        ("https://\uff10\uff58\uff17\uff46.\uff11/", "127.0.0.1"),  # full-width hex
        ("https://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("https://[::ffff:7f00:1]/", "::ffff:7f00:1"),
        ("https://[0:0:0:0:0:0:0:1]/", "::1"),
        ("https://[fd00:ec2:0::254]/", "fd00:ec2::254"),
    ],
)
def test_any_spelling_of_an_address_is_read_as_that_address(url: str, spelled: str) -> None:
    target = parse_target(url, allow_insecure=False)

    assert target.address == ipaddress.ip_address(spelled)
    assert target.host == spelled
    assert refusal(target.address) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",
        "ftp://hooks.example.com/",
        "file:///etc/passwd",
        "gopher://x/",
    ],
)
def test_only_https_is_accepted_on_a_deployed_stage(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_target(url, allow_insecure=False)
    assert caught.value.field == "url"


def test_the_local_platform_accepts_http_but_no_other_scheme() -> None:
    assert parse_target("http://127.0.0.1:9000/hook", allow_insecure=True).port == 9000
    with pytest.raises(ValidationError):
        parse_target("ftp://127.0.0.1/", allow_insecure=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@hooks.example.com/",
        "https://user@hooks.example.com/",
        "https://:secret@hooks.example.com/",
        "https://hooks.example.com@127.0.0.1/",
        "https://hooks.example.com\\@127.0.0.1/",
    ],
)
def test_credentials_in_the_url_are_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="credentials"):
        parse_target(url, allow_insecure=False)


@pytest.mark.parametrize(
    "url",
    [
        "https:///in",
        "https://:443/in",
        "https://hooks.example.com:99999/",
        "https://hooks.example.com:port/",
        "https://127.0.0.%31/",
        "https://hooks_.exa mple.com/",
        "https://-hooks.example.com/",
        "https://" + "a" * 64 + ".example.com/",
        "https://hooks.example.com/" + "x" * 2048,
        "not a url",
    ],
)
def test_what_is_not_a_receiver_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        parse_target(url, allow_insecure=False)


def test_a_public_url_is_taken_apart() -> None:
    target = parse_target(
        "https://Hooks.Example.COM:8443/in/bound?x=1&y=2#frag", allow_insecure=False
    )

    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 8443)
    assert target.target == "/in/bound?x=1&y=2"
    assert target.address is None
    assert target.url == "https://hooks.example.com:8443/in/bound?x=1&y=2"


def test_an_international_name_is_kept_in_its_ascii_form() -> None:
    target = parse_target("https://bücher.example/hook", allow_insecure=False)

    assert target.host == "xn--bcher-kva.example"
    assert (target.port, target.target) == (443, "/hook")


def test_a_public_address_literal_is_accepted() -> None:
    target = parse_target("https://[2606:4700:4700::1111]/in", allow_insecure=False)

    assert target.address == ipaddress.ip_address("2606:4700:4700::1111")
    assert refusal(target.address) is None
    assert target.url == "https://[2606:4700:4700::1111]/in"
