"""Applies pending SQL migrations; run by a CDK trigger after the database is up."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.runtime import entrypoint, logger
from mailman.adapters.postgres.migrations import migrate
from mailman.composition import database_for
from mailman.config import Settings


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    applied = migrate(database_for(Settings()).conninfo())
    logger.info("migrations applied", extra={"applied": applied})
    return {"applied": applied}
