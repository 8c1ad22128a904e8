"""DNS lookups with dnspython, each bounded by a timeout."""

from __future__ import annotations

from collections.abc import Sequence

import dns.exception
import dns.resolver


class DnsPythonResolver:
    """Resolves with the system's name servers, or with `nameservers` ("host" or "host:port")."""

    def __init__(self, nameservers: Sequence[str] = (), *, timeout_seconds: float = 2.0) -> None:
        self._resolver = dns.resolver.Resolver(configure=not nameservers)
        if nameservers:
            hosts: list[str] = []
            for server in nameservers:
                host, _, port = server.rpartition(":") if ":" in server else (server, "", "")
                hosts.append(host)
                if port:
                    self._resolver.port = int(port)
            self._resolver.nameservers = hosts
        self._resolver.lifetime = timeout_seconds
        self._resolver.timeout = timeout_seconds

    def lookup(self, name: str, rtype: str) -> list[str] | None:
        try:
            answer = self._resolver.resolve(name, rtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.YXDOMAIN):
            return None
        if answer.rrset is None:
            return []
        texts: list[str] = []
        for rdata in answer.rrset:
            if rtype == "TXT":
                texts.append(b"".join(rdata.strings).decode("utf-8", "replace"))
            elif rtype == "MX":
                texts.append(f"{rdata.preference} {rdata.exchange}")
            else:
                texts.append(rdata.to_text())
        return texts
