"""`PostgresDomainRepository`: domains with the DNS records they must publish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID

import psycopg

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.statements import keyset, update
from mailman.domain.claims import VerifiedElsewhere, already_held
from mailman.domain.dns_records import DnsRecord
from mailman.domain.models import Domain, NewDomain
from mailman.domain.pagination import PageRequest
from mailman.domain.verification import VERIFIED_ELSEWHERE, Assessment

DOMAIN_COLUMNS: LiteralString = (
    "id, organization_id, name, unicode_name, status, dkim_tokens, from_name, reply_to, "
    "bounce_address, mx_verified, spf_verified, dkim_verified, dmarc_verified, verified_at, "
    "region, mail_from_domain, ses_dkim_status, ses_mail_from_status, last_checked_at, "
    "next_check_at, pending_since, list_unsubscribe, verification_token, sending_paused_at, "
    "sending_paused_reason, sending_paused_figures, sending_resumed_at, created_at, updated_at"
)
RECORD_COLUMNS: LiteralString = (
    "domain_id, purpose, type, name, value, priority, status, found, detail, checked_at"
)


class PostgresDomainRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _with_records(self, rows: list[dict[str, Any]]) -> list[Domain]:
        """Domains built from rows, each with its records (one query for all of them)."""
        if not rows:
            return []
        records: dict[UUID, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        for record in self._conn.execute(
            f"SELECT {RECORD_COLUMNS} FROM domain_records WHERE domain_id = ANY(%s) "
            "ORDER BY domain_id, position",
            [list(records)],
        ).fetchall():
            records[record["domain_id"]].append(record)
        return [Domain.model_validate({**row, "records": records[row["id"]]}) for row in rows]

    def add(self, domain: NewDomain) -> Domain:
        try:
            with self._conn.transaction():
                row = self._conn.execute(
                    "INSERT INTO domains (organization_id, name, unicode_name, from_name, "
                    "reply_to, bounce_address, list_unsubscribe, region, mail_from_domain, "
                    "dkim_tokens, ses_dkim_status) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    f"RETURNING {DOMAIN_COLUMNS}",
                    [
                        domain.organization_id,
                        domain.name,
                        domain.unicode_name,
                        domain.from_name,
                        domain.reply_to,
                        domain.bounce_address,
                        domain.list_unsubscribe,
                        domain.region,
                        domain.mail_from_domain,
                        list(domain.dkim_tokens),
                        domain.ses_dkim_status,
                    ],
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            # domains_org_live_name: other organisations' claims of the name do not conflict.
            raise already_held(domain.name) from exc
        assert row is not None
        return Domain.model_validate(row)

    def get(self, domain_id: UUID) -> Domain | None:
        # The domain and its records are asked for together: one round trip in a pipeline.
        domain = self._conn.execute(
            f"SELECT {DOMAIN_COLUMNS} FROM domains WHERE id = %s AND deleted_at IS NULL",
            [domain_id],
        )
        records = self._conn.execute(
            f"SELECT {RECORD_COLUMNS} FROM domain_records WHERE domain_id = %s ORDER BY position",
            [domain_id],
        )
        row = domain.fetchone()
        found = records.fetchall()
        if row is None:
            return None
        return Domain.model_validate({**row, "records": found})

    def count_live(self) -> int:
        row = self._conn.execute("SELECT count(*) AS n FROM domains WHERE deleted_at IS NULL")
        found = row.fetchone()
        assert found is not None
        return int(found["n"])

    def claims(self, names: Sequence[str]) -> Sequence[Domain]:
        # In the system scope every organisation's claims; in a tenant's, its own.
        rows = self._conn.execute(
            f"SELECT {DOMAIN_COLUMNS} FROM domains "
            "WHERE name = ANY(%s) AND deleted_at IS NULL "
            "ORDER BY status = 'verified' DESC, created_at DESC, id",
            [list(names)],
        ).fetchall()
        return self._with_records(rows)

    def receiving_states(self) -> Sequence[tuple[str, bool]]:
        rows = self._conn.execute(
            # A deleted domain is one not to receive for (unless registered again).
            "SELECT name, bool_or(mx_verified AND deleted_at IS NULL) AS receiving "
            "FROM domains GROUP BY name ORDER BY name"
        ).fetchall()
        return [(r["name"], r["receiving"]) for r in rows]

    def list(self, page: PageRequest) -> list[Domain]:
        where, params = keyset(page)
        rows = self._conn.execute(
            f"SELECT {DOMAIN_COLUMNS} FROM domains WHERE deleted_at IS NULL AND {where} "
            "ORDER BY created_at, id LIMIT %s",
            [*params, page.limit + 1],
        ).fetchall()
        return self._with_records(rows)

    def update(self, domain_id: UUID, changes: dict[str, object]) -> Domain | None:
        if changes and update(self._conn, "domains", domain_id, changes) is None:
            return None
        return self.get(domain_id)

    def soft_delete(self, domain_id: UUID, at: datetime) -> bool:
        row = self._conn.execute(
            "UPDATE domains SET deleted_at = %s, updated_at = %s "
            "WHERE id = %s AND deleted_at IS NULL RETURNING id",
            [at, at, domain_id],
        ).fetchone()
        return row is not None

    def set_records(self, domain: Domain, records: Sequence[DnsRecord]) -> Domain:
        self._conn.execute("DELETE FROM domain_records WHERE domain_id = %s", [domain.id])
        with self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO domain_records (organization_id, domain_id, position, purpose, "
                "type, name, value, priority) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    [
                        domain.organization_id,
                        domain.id,
                        position,
                        r.purpose.value,
                        r.type,
                        r.name,
                        r.value,
                        r.priority,
                    ]
                    for position, r in enumerate(records)
                ],
            )
        found = self.get(domain.id)
        assert found is not None
        return found

    def save_verification(self, domain_id: UUID, outcome: Assessment) -> None:
        try:
            update(self._conn, "domains", domain_id, outcome.changes)
        except psycopg.errors.UniqueViolation as exc:
            # domains_verified_name: another organisation's claim verified first.
            raise VerifiedElsewhere(VERIFIED_ELSEWHERE, field="name") from exc
        with self._conn.cursor() as cursor:
            cursor.executemany(
                "UPDATE domain_records SET status = %s, found = %s, detail = %s, "
                "checked_at = %s, changed_at = CASE WHEN status <> %s OR found <> %s "
                "THEN %s ELSE changed_at END WHERE domain_id = %s AND position = %s",
                [
                    [
                        r.status.value,
                        list(r.found),
                        r.detail,
                        r.checked_at,
                        r.status.value,
                        list(r.found),
                        r.checked_at,
                        domain_id,
                        position,
                    ]
                    for position, r in enumerate(outcome.records)
                ],
            )

    def claim_due(self, at: datetime, limit: int, lease_until: datetime) -> Sequence[Domain]:
        rows = self._conn.execute(
            "UPDATE domains SET next_check_at = %s WHERE id IN ("
            "  SELECT id FROM domains WHERE deleted_at IS NULL AND next_check_at <= %s "
            "  ORDER BY next_check_at LIMIT %s FOR UPDATE SKIP LOCKED) "
            f"RETURNING {DOMAIN_COLUMNS}",
            [lease_until, at, limit],
        ).fetchall()
        return self._with_records(rows)
