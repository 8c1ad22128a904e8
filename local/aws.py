"""The AWS stand-ins: a moto server, SES's identity behaviour and the inbound receipt rule."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from local import ses_simulator
from local.dns_zone import LocalZone
from mailman.adapters.ses import NO_RECIPIENTS, SesDomainIdentities

RULE_SET = "mailman-local"
RULE = "inbound"


class LocalAws:
    def __init__(self, host: str, port: int, zone: LocalZone, region: str) -> None:
        self.endpoint = f"http://{host}:{port}"
        self.region = region
        ses_simulator.install(zone)
        # moto's server logs every request through werkzeug; the platform prints its own.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def start(self) -> LocalAws:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def restore(self, domains: Iterable[tuple[str, str, bool]]) -> None:
        """Recreate what a deployed stack and earlier runs left in AWS (moto keeps no state).

        `domains` are (name, MAIL FROM domain, receiving) of every live domain: their SES
        identities come back with the same DKIM tokens, and the receipt rule accepts mail for
        those verified for receiving, as the verifier left it.
        """
        ses = self.client("ses")
        ses.create_receipt_rule_set(RuleSetName=RULE_SET)
        recipients: list[str] = []
        identities = SesDomainIdentities(self.client("sesv2"))
        for name, mail_from, receiving in domains:
            identities.create(name, mail_from)
            if receiving:
                recipients.append(name)
        ses.create_receipt_rule(
            RuleSetName=RULE_SET,
            Rule={
                "Name": RULE,
                "Enabled": True,
                "ScanEnabled": True,
                "Recipients": recipients or [NO_RECIPIENTS],
                "Actions": [],
            },
        )
        ses.set_active_receipt_rule_set(RuleSetName=RULE_SET)

    def accepted_domains(self) -> list[str]:
        rule = self.client("ses").describe_receipt_rule(RuleSetName=RULE_SET, RuleName=RULE)
        return [r for r in rule["Rule"].get("Recipients", []) if r != NO_RECIPIENTS]
