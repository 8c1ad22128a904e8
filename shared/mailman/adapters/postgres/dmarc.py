"""`PostgresDmarcReportRepository`: a domain's DMARC reports (`dmarc_reports`, their records
in `dmarc_report_rows`), and the summary, summed by PostgreSQL over the rows.

Row-level security keeps each organisation to its own reports; every statement names the
domain as well, which leads the indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from mailman.adapters.postgres.database import Connection
from mailman.adapters.postgres.statements import keyset
from mailman.domain.dmarc import AggregateReport, AuthResult, PolicyPublished, ReportFormat
from mailman.domain.dmarc_reports import (
    SUMMARY_SOURCES,
    DmarcReport,
    DmarcSummaryFigures,
    Failure,
    NewDmarcReport,
    ReportFilter,
    ReportStatus,
    ReportWindow,
    SourceFigures,
    StoredRow,
    StoreOutcome,
    aggregate_messages,
)
from mailman.domain.pagination import PageRequest

_POLICY = ("domain", "p", "sp", "np", "adkim", "aspf", "pct", "testing", "fo", "discovery_method")
_COLUMNS: LiteralString = (
    "id, organization_id, domain_id, status, format, reporter, reporter_email, report_id, "
    "begin_at, end_at, errors, policy_domain, policy_p, policy_sp, policy_np, policy_adkim, "
    "policy_aspf, policy_pct, policy_testing, policy_fo, policy_discovery_method, messages, "
    "dmarc_pass, row_count, "
    "failure_reason, failure_detail, filename, raw_storage_key, message_id, received_at, "
    "duplicates, created_at"
)
_INSERT: LiteralString = (
    "INSERT INTO dmarc_reports (organization_id, domain_id, status, format, reporter, "
    "  reporter_email, report_id, begin_at, end_at, errors, policy_domain, policy_p, "
    "  policy_sp, policy_np, policy_adkim, policy_aspf, policy_pct, policy_testing, policy_fo, "
    "  policy_discovery_method, "
    "  messages, dmarc_pass, row_count, failure_reason, failure_detail, filename, "
    "  file_position, raw_storage_key, message_id, received_at) "
    "VALUES (%(organization_id)s, %(domain_id)s, %(status)s, %(format)s, %(reporter)s, "
    "  %(reporter_email)s, %(report_id)s, %(begin)s, %(end)s, %(errors)s, %(policy_domain)s, "
    "  %(policy_p)s, %(policy_sp)s, %(policy_np)s, %(policy_adkim)s, %(policy_aspf)s, "
    "  %(policy_pct)s, %(policy_testing)s, %(policy_fo)s, %(policy_discovery_method)s, "
    "  %(messages)s, %(dmarc_pass)s, "
    "  %(row_count)s, %(failure_reason)s, %(failure_detail)s, %(filename)s, %(position)s, "
    "  %(raw_storage_key)s, %(message_id)s, %(received_at)s) "
)
_COPY: LiteralString = (
    "dmarc_reports.raw_storage_key <> EXCLUDED.raw_storage_key "
    "AND dmarc_reports.last_duplicate_key IS DISTINCT FROM EXCLUDED.raw_storage_key"
)
_ADD_AGGREGATE: LiteralString = (
    _INSERT + "ON CONFLICT (domain_id, reporter, report_id) WHERE status = 'ok' DO UPDATE SET "
    f"duplicates = dmarc_reports.duplicates + CASE WHEN {_COPY} THEN 1 ELSE 0 END, "
    f"last_duplicate_key = CASE WHEN {_COPY} THEN EXCLUDED.raw_storage_key "
    "  ELSE dmarc_reports.last_duplicate_key END "
    "RETURNING id, xmax = 0 AS inserted"
)
_ADD_FAILURE: LiteralString = (
    _INSERT + "ON CONFLICT (domain_id, raw_storage_key, file_position) WHERE status = 'failed' "
    "DO UPDATE SET file_position = EXCLUDED.file_position "
    "RETURNING id, xmax = 0 AS inserted"
)
_ADD_ROW: LiteralString = (
    "INSERT INTO dmarc_report_rows (organization_id, report_id, position, source_ip, count, "
    "  disposition, dkim_aligned, spf_aligned, header_from, envelope_from, envelope_to, "
    "  reasons, auth_results) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_ROW_COLUMNS: LiteralString = (
    "host(source_ip) AS source_ip, reverse_dns, count, disposition, dkim_aligned, "
    "spf_aligned, header_from, envelope_from, envelope_to, reasons, auth_results"
)

# The aggregate reports of the domain whose range overlaps the window.
_CHOSEN: LiteralString = (
    "WITH chosen AS ("
    "  SELECT id, reporter, begin_at, end_at, policy_p, created_at FROM dmarc_reports "
    "  WHERE domain_id = %(domain_id)s AND status = 'ok' "
    "    AND begin_at < %(until)s AND end_at > %(since)s) "
)
_DMARC_PASS: LiteralString = "(r.dkim_aligned = 'pass' OR r.spf_aligned = 'pass')"  # noqa: S105 - SQL
_TOTALS: LiteralString = (
    _CHOSEN + "SELECT "
    "  (SELECT count(*) FROM chosen) AS reports, "
    "  (SELECT count(DISTINCT reporter) FROM chosen) AS reporters, "
    "  (SELECT count(DISTINCT (begin_at AT TIME ZONE 'UTC')::date) FROM chosen) AS days, "
    "  (SELECT min(begin_at) FROM chosen) AS first_begin, "
    "  (SELECT max(end_at) FROM chosen) AS last_end, "
    "  (SELECT policy_p FROM chosen ORDER BY end_at DESC, created_at DESC, id DESC LIMIT 1) "
    "    AS policy, "
    "  (SELECT count(*) FROM dmarc_reports WHERE domain_id = %(domain_id)s "
    "    AND status = 'failed' AND received_at >= %(since)s AND received_at < %(until)s) "
    "    AS failed_reports, "
    "  coalesce(sum(r.count), 0)::bigint AS messages, "
    "  coalesce(sum(r.count) FILTER (WHERE r.dkim_aligned = 'pass'), 0)::bigint "
    "    AS dkim_aligned_pass, "
    "  coalesce(sum(r.count) FILTER (WHERE r.spf_aligned = 'pass'), 0)::bigint "
    "    AS spf_aligned_pass, "
    f"  coalesce(sum(r.count) FILTER (WHERE {_DMARC_PASS}), 0)::bigint AS dmarc_pass "
    "FROM chosen c JOIN dmarc_report_rows r ON r.report_id = c.id"
)
_SOURCES: LiteralString = (
    _CHOSEN + ", by_source AS ("
    "  SELECT host(r.source_ip) AS source_ip, r.reverse_dns, c.reporter, "
    "    sum(r.count)::bigint AS messages, "
    "    coalesce(sum(r.count) FILTER (WHERE r.dkim_aligned = 'pass'), 0)::bigint "
    "      AS dkim_aligned_pass, "
    "    coalesce(sum(r.count) FILTER (WHERE r.spf_aligned = 'pass'), 0)::bigint "
    "      AS spf_aligned_pass, "
    f"    coalesce(sum(r.count) FILTER (WHERE {_DMARC_PASS}), 0)::bigint AS dmarc_pass "
    "  FROM chosen c JOIN dmarc_report_rows r ON r.report_id = c.id "
    "  GROUP BY r.source_ip, r.reverse_dns, c.reporter) "
    "(SELECT false AS failing, * FROM by_source "
    "  ORDER BY messages DESC, source_ip, reporter LIMIT %(limit)s) "
    "UNION ALL "
    "(SELECT true, * FROM by_source WHERE messages > dmarc_pass "
    "  ORDER BY messages - dmarc_pass DESC, source_ip, reporter LIMIT %(limit)s)"
)


def _values(new: NewDmarcReport) -> dict[str, Any]:
    values: dict[str, Any] = {
        "organization_id": new.organization_id,
        "domain_id": new.domain_id,
        "filename": new.report.filename,
        "position": new.position,
        "raw_storage_key": new.source.raw_storage_key,
        "message_id": new.source.message_id,
        "received_at": new.source.received_at,
        "status": ReportStatus.FAILED.value,
        "format": None,
        "reporter": None,
        "reporter_email": None,
        "report_id": None,
        "begin": None,
        "end": None,
        "errors": [],
        "messages": 0,
        "dmarc_pass": 0,
        "row_count": 0,
        "failure_reason": None,
        "failure_detail": None,
        **{f"policy_{name}": None for name in _POLICY},
    }
    if isinstance(new.report, Failure):
        values.update(failure_reason=new.report.reason, failure_detail=new.report.detail)
    else:
        values.update(_aggregate_values(new.report))
    return values


def _aggregate_values(report: AggregateReport) -> dict[str, Any]:
    messages, passed = aggregate_messages(report)
    return {
        "status": ReportStatus.OK.value,
        "format": report.format.value,
        "reporter": report.reporter,
        "reporter_email": report.reporter_email,
        "report_id": report.report_id,
        "begin": report.begin,
        "end": report.end,
        "errors": list(report.errors),
        "messages": messages,
        "dmarc_pass": passed,
        "row_count": len(report.rows),
        **{f"policy_{name}": getattr(report.policy, name) for name in _POLICY},
    }


def _row_values(organization_id: UUID, report_id: UUID, report: AggregateReport) -> list[Any]:
    return [
        (
            organization_id,
            report_id,
            position,
            row.source_ip,
            row.count,
            row.disposition,
            row.dkim_aligned,
            row.spf_aligned,
            row.header_from,
            row.envelope_from,
            row.envelope_to,
            list(row.reasons),
            Jsonb(
                [{k: v for k, v in asdict(a).items() if v is not None} for a in row.auth_results]
            ),
        )
        for position, row in enumerate(report.rows)
    ]


def _report(row: dict[str, Any], rows: Sequence[StoredRow] = ()) -> DmarcReport:
    ok = row["status"] == ReportStatus.OK
    policy = PolicyPublished(**{name: row[f"policy_{name}"] for name in _POLICY}) if ok else None
    return DmarcReport(
        id=row["id"],
        organization_id=row["organization_id"],
        domain_id=row["domain_id"],
        status=ReportStatus(row["status"]),
        filename=row["filename"],
        raw_storage_key=row["raw_storage_key"],
        message_id=row["message_id"],
        received_at=row["received_at"],
        created_at=row["created_at"],
        format=ReportFormat(row["format"]) if row["format"] else None,
        reporter=row["reporter"],
        reporter_email=row["reporter_email"],
        report_id=row["report_id"],
        begin=row["begin_at"],
        end=row["end_at"],
        policy=policy,
        errors=tuple(row["errors"]),
        failure_reason=row["failure_reason"],
        failure_detail=row["failure_detail"],
        duplicates=row["duplicates"],
        messages=row["messages"],
        dmarc_pass=row["dmarc_pass"],
        row_count=row["row_count"],
        rows=tuple(rows),
    )


def _stored_row(row: dict[str, Any]) -> StoredRow:
    fields = dict(row)
    results = fields.pop("auth_results")
    fields["reasons"] = tuple(fields["reasons"])
    return StoredRow(**fields, auth_results=tuple(AuthResult(**a) for a in results))


class PostgresDmarcReportRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, reports: Sequence[NewDmarcReport]) -> list[tuple[UUID, StoreOutcome]]:
        return [self._add(new) for new in reports]

    def _add(self, new: NewDmarcReport) -> tuple[UUID, StoreOutcome]:
        failed = isinstance(new.report, Failure)
        found = self._conn.execute(_ADD_FAILURE if failed else _ADD_AGGREGATE, _values(new))
        row = found.fetchone()
        assert row is not None, "an upsert answers its row"
        if failed:
            return row["id"], StoreOutcome.FAILED if row["inserted"] else StoreOutcome.SEEN
        if not row["inserted"]:
            return row["id"], StoreOutcome.DUPLICATE
        assert isinstance(new.report, AggregateReport)
        if new.report.rows:
            with self._conn.cursor() as cursor:
                cursor.executemany(
                    _ADD_ROW, _row_values(new.organization_id, row["id"], new.report)
                )
        return row["id"], StoreOutcome.STORED

    def list(self, domain_id: UUID, which: ReportFilter, page: PageRequest) -> list[DmarcReport]:
        where, params = keyset(page)
        conditions: list[LiteralString] = [where, "domain_id = %s"]
        params.append(domain_id)
        if which.status is not None:
            conditions.append("status = %s")
            params.append(which.status.value)
        if which.reporter is not None:
            conditions.append("lower(reporter) = lower(%s)")
            params.append(which.reporter)
        if which.window.since is not None:
            conditions.append("end_at > %s")
            params.append(which.window.since)
        if which.window.until is not None:
            conditions.append("begin_at < %s")
            params.append(which.window.until)
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM dmarc_reports WHERE {' AND '.join(conditions)} "
            "ORDER BY created_at, id LIMIT %s",
            [*params, page.limit + 1],
        ).fetchall()
        return [_report(r) for r in rows]

    def get(self, domain_id: UUID, report_id: UUID) -> DmarcReport | None:
        found = self._conn.execute(
            f"SELECT {_COLUMNS} FROM dmarc_reports WHERE id = %s AND domain_id = %s",
            [report_id, domain_id],
        ).fetchone()
        if found is None:
            return None
        rows = self._conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM dmarc_report_rows WHERE report_id = %s ORDER BY position",
            [report_id],
        ).fetchall()
        return _report(found, [_stored_row(r) for r in rows])

    def summary(self, domain_id: UUID, window: ReportWindow) -> DmarcSummaryFigures:
        params = {
            "domain_id": domain_id,
            "since": window.since or "-infinity",
            "until": window.until or "infinity",
            "limit": SUMMARY_SOURCES,
        }
        totals = self._conn.execute(_TOTALS, params).fetchone()
        assert totals is not None, "an aggregate answers one row"
        sources = self._conn.execute(_SOURCES, params).fetchall()
        return DmarcSummaryFigures(
            **totals,
            sources=tuple(_source(r) for r in sources if not r["failing"]),
            failing_sources=tuple(_source(r) for r in sources if r["failing"]),
        )


def _source(row: dict[str, Any]) -> SourceFigures:
    return SourceFigures(**{k: v for k, v in row.items() if k != "failing"})
