"""Domain verification: the verifier function on its EventBridge schedule.

Each run reads SES's view of the domain identities, resolves the domains' DNS records
through the VPC's resolver, and keeps the receipt rule's recipients in step with the
domains verified for receiving.
"""

from __future__ import annotations

from aws_cdk import Duration
from constructs import Construct

from stacks.functions import FunctionDefaults, ServiceFunction
from stacks.mail import Ses
from stacks.workers import Workers

VERIFIER_TIMEOUT = Duration.seconds(50)
"""Under the one-minute schedule, so runs do not pile up."""


class DomainVerification(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        defaults: FunctionDefaults,
        mail: Ses,
        workers: Workers,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = ServiceFunction(
            self,
            "Handler",
            name="verifier",
            defaults=defaults,
            description="Mailman: checks SES identities and DNS records of pending domains",
            timeout=VERIFIER_TIMEOUT,
            memory_size=512,
        )
        mail.enable_domain_management(self.function.function)
        self.schedule = workers.schedule_verifier(self.function.function)
