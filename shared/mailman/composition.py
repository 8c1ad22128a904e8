"""The composition root: builds a function's adapters once per Lambda container."""

from __future__ import annotations

from dataclasses import dataclass

from mailman.adapters.clock import SystemClock
from mailman.adapters.postgres.database import Database, conninfo_from_secret
from mailman.adapters.postgres.repositories import PostgresUnitOfWorkFactory
from mailman.config import Settings
from mailman.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True)
class Container:
    settings: Settings
    database: Database
    uow: UnitOfWorkFactory
    clock: Clock


def database_for(settings: Settings) -> Database:
    """The database named by `DATABASE_URL`, or by the RDS secret and proxy host."""
    if settings.database_url:
        return Database(settings.database_url)
    secret_arn = settings.db_secret_arn
    if not secret_arn:
        raise RuntimeError("set DATABASE_URL, or DB_SECRET_ARN (and DB_HOST) to reach PostgreSQL")

    def resolve() -> str:
        # Read on every (re)connect, so a rotated password is picked up.
        import boto3

        secret = boto3.client("secretsmanager").get_secret_value(SecretId=secret_arn)
        return conninfo_from_secret(
            secret["SecretString"], host=settings.db_host, dbname=settings.db_name
        )

    return Database(resolve)


def build_container(settings: Settings | None = None) -> Container:
    chosen = settings or Settings()
    database = database_for(chosen)
    return Container(
        settings=chosen,
        database=database,
        uow=PostgresUnitOfWorkFactory(database),
        clock=SystemClock(),
    )
