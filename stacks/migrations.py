"""Schema migrations, applied on deploy by a CDK trigger once the database and proxy are up.

The trigger invokes the function whenever its version changes, and the version changes with
its code, its configuration and its layers (the SQL files travel in the code layer): a deploy
that brings a new migration runs it before the deploy completes, and a failed migration fails
the deploy. Applying is idempotent, so a re-run is harmless.
"""

from __future__ import annotations

from aws_cdk import Duration, triggers
from constructs import Construct

from stacks.database import AuroraDatabase
from stacks.functions import FunctionDefaults, ServiceFunction

TIMEOUT = Duration.minutes(5)
"""Room for a paused Aurora writer to resume before the migrations run."""


class Migrations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        defaults: FunctionDefaults,
        database: AuroraDatabase,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = ServiceFunction(
            self,
            "Migrate",
            name="migrate",
            defaults=defaults,
            description="Mailman: applies the SQL migrations",
            timeout=TIMEOUT,
            memory_size=256,
        )
        self.trigger = triggers.Trigger(
            self,
            "OnDeploy",
            handler=self.function.function,
            execute_after=[database.cluster, database.proxy],
            execute_on_handler_change=True,
            invocation_type=triggers.InvocationType.REQUEST_RESPONSE,
            timeout=TIMEOUT,
        )
