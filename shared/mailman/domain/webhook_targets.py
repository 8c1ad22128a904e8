"""Where a webhook may be sent: the URL rules and the addresses refused (SSRF).

A receiver must be a public HTTPS service. Its URL is checked when the endpoint is saved and
its host's addresses at every attempt; the connection then goes to an address that was
checked, so a name that changes its answer between the check and the connect (DNS rebinding)
reaches nothing private. The local platform allows `http` and private addresses (loopback
receivers) with one setting, off in every deployed stage.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from mailman.domain.errors import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048

METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
"""The instance metadata service (IPv4, and IPv6 on Nitro): never a receiver, anywhere."""

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")
"""Deprecated (RFC 3879), never global, and not `is_private` to the standard library."""


@dataclass(frozen=True)
class Target:
    """A receiver's URL, taken apart: `host` is the name (IDNA, lower case) or the address as
    written canonically; `address` is set when the host is an address literal."""

    scheme: str
    host: str
    port: int
    target: str
    """The path and query, as sent in the request line."""
    address: IPAddress | None

    @property
    def url(self) -> str:
        authority = _bracketed(self.host) + _port_suffix(self.scheme, self.port)
        return f"{self.scheme}://{authority}{self.target}"


def parse_target(url: str, *, allow_insecure: bool) -> Target:
    """The receiver `url` names, or ValidationError (field `url`): not `https` (unless
    `allow_insecure`), credentials in it, no host, a host that is not a name or an address.
    An IPv4 address spelled in decimal, octal or hex (`2130706433`, `0x7f.1`, `0177.0.0.1`)
    is read as the address it spells."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"url is longer than {MAX_URL_LENGTH} characters", field="url")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"url is not a URL: {exc}", field="url") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_insecure else ("https",)
    if scheme not in allowed:
        raise ValidationError("url must be https", field="url")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("url must not carry credentials", field="url")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError("url has no host", field="url")
    address = _address_literal(host)
    if address is None:
        # IDNA folds full-width and other look-alike digits to ASCII ones: a name that folds
        # to an address is that address.
        host = _hostname(host)
        address = _address_literal(host)
    host = host if address is None else str(address)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), target, address)


def refusal(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why a webhook may not go to `address` (`loopback`, `private`, `link-local`,
    `shared` (CGNAT), `unique-local`, `multicast`, `metadata`, `unspecified`, `reserved`),
    or None for a public address. An IPv6 address that carries an IPv4 one (IPv4-mapped,
    6to4, Teredo, NAT64) is judged by the IPv4 address. `allow_private` (the local platform)
    lets loopback and private receivers through; the metadata service never."""
    if address in METADATA_ADDRESSES:
        return "metadata"
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded, allow_private=allow_private)
    reason = _classify(address)
    if reason in ("loopback", "private", "unique-local") and allow_private:
        return None
    return reason


def refusals(
    addresses: Sequence[IPAddress], *, allow_private: bool = False
) -> list[tuple[IPAddress, str]]:
    """Each of `addresses` refused, with why."""
    found = []
    for address in addresses:
        reason = refusal(address, allow_private=allow_private)
        if reason is not None:
            found.append((address, reason))
    return found


def _classify(address: IPAddress) -> str | None:  # noqa: PLR0911 - one answer per class
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "shared"
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global or address in _SITE_LOCAL:
        return "reserved"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _address_literal(host: str) -> IPAddress | None:
    """The address `host` spells, in any form a resolver would accept, or None for a name."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    return _legacy_ipv4(host)


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """`inet_aton`'s forms: one to four parts, each decimal, octal (leading 0) or hex (0x),
    the last filling the bytes left (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        lowered = part.lower()
        try:
            if lowered.startswith("0x"):
                value = int(lowered[2:] or "0", 16)
            elif len(lowered) > 1 and lowered.startswith("0"):
                value = int(lowered, 8)
            else:
                value = int(lowered, 10) if lowered.isdigit() else -1
        except ValueError:
            return None
        if value < 0:
            return None
        values.append(value)
    last_bytes = 5 - len(values)
    if any(v > 255 for v in values[:-1]) or values[-1] >= 256**last_bytes:
        return None
    number = 0
    for value in values[:-1]:
        number = number * 256 + value
    number = number * 256**last_bytes + values[-1]
    return ipaddress.IPv4Address(number)


def _hostname(host: str) -> str:
    try:
        name = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError("url's host is not a valid name", field="url") from None
    labels = name.split(".")
    if any(not label or len(label) > 63 for label in labels) or len(name) > 253:
        raise ValidationError("url's host is not a valid name", field="url")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
    if any(set(label) - allowed or label.startswith("-") for label in labels):
        raise ValidationError("url's host is not a valid name", field="url")
    return name


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _port_suffix(scheme: str, port: int) -> str:
    default = 443 if scheme == "https" else 80
    return "" if port == default else f":{port}"
