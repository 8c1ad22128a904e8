"""A small authoritative DNS server on 127.0.0.1 answering from the local zone (UDP)."""

from __future__ import annotations

import socketserver
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from local.dns_zone import LocalZone


class _Handler(socketserver.BaseRequestHandler):
    server: LocalDnsServer

    def handle(self) -> None:
        data, sock = self.request
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        for question in query.question:
            rtype = dns.rdatatype.to_text(question.rdtype)
            answers = self.server.zone.answers(question.name.to_text(), rtype)
            if answers is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
                continue
            if answers:
                response.answer.append(
                    dns.rrset.from_text_list(
                        question.name,
                        60,
                        dns.rdataclass.IN,
                        question.rdtype,
                        [_rdata_text(rtype, a) for a in answers],
                    )
                )
        sock.sendto(response.to_wire(), self.client_address)


def _rdata_text(rtype: str, data: str) -> str:
    if rtype == "TXT":
        # TXT strings are at most 255 bytes each; split longer ones as DNS providers do.
        chunks = [data[i : i + 255] for i in range(0, len(data), 255)] or [""]
        return " ".join('"' + c.replace('"', '\\"') + '"' for c in chunks)
    return data


class LocalDnsServer(socketserver.ThreadingUDPServer):
    daemon_threads = True

    def __init__(self, zone: LocalZone, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__((host, port), _Handler)
        self.zone = zone
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> LocalDnsServer:
        self._thread = threading.Thread(target=self.serve_forever, name="local-dns", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
