"""`SystemHostResolver`: a host's addresses as the system resolves them (`getaddrinfo`), the
lookup a connection would make, so the addresses checked are the ones connected to.

`getaddrinfo` takes no timeout (the system resolver's own retries can hold it for tens of
seconds): the dispatcher calls this on a thread of its own and stops waiting when the
attempt's share for the lookup is spent."""

from __future__ import annotations

import ipaddress
import socket

from mailman.domain.webhook_targets import IPAddress


class SystemHostResolver:
    def addresses(self, host: str, port: int) -> list[IPAddress]:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        unique: dict[IPAddress, None] = {}
        for _family, _type, _proto, _name, sockaddr in found:
            unique[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
        if not unique:
            raise OSError(f"{host} resolves to no address")
        return list(unique)
