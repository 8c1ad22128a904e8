from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import psycopg
import pytest

from local.postgres import drop_database, ensure_database
from mailman.adapters.postgres import migrations
from mailman.adapters.postgres.database import Database
from mailman.domain.errors import StorageError


@pytest.fixture
def empty_database(pg_server: str):
    name = f"mailman_empty_{uuid4().hex[:10]}"
    url = ensure_database(pg_server, name)
    yield url
    drop_database(pg_server, name)


def test_migrating_an_empty_database_creates_every_table(empty_database: str) -> None:
    applied = migrations.migrate(empty_database)

    assert applied == [m.name for m in migrations.available()]
    with psycopg.connect(empty_database) as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert {
        "organizations",
        "domains",
        "inboxes",
        "threads",
        "messages",
        "message_recipients",
        "message_references",
        "attachments",
        "delivery_events",
        "webhook_endpoints",
        "webhook_deliveries",
        "suppressed_addresses",
        "auth_keys",
        "api_keys",
        "rate_limit_buckets",
        "events",
        "dmarc_reports",
        "dmarc_report_rows",
        "schema_migrations",
    } <= tables


def test_migrating_twice_applies_nothing_the_second_time(empty_database: str) -> None:
    migrations.migrate(empty_database)

    assert migrations.migrate(empty_database) == []


def test_concurrent_migrations_apply_each_file_once(empty_database: str) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(migrations.migrate, [empty_database] * 3))

    assert sorted(len(r) for r in results) == [0, 0, len(migrations.available())]
    with psycopg.connect(empty_database) as conn:
        count = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert count == (len(migrations.available()),)


def test_an_edited_landed_migration_is_an_error(empty_database: str) -> None:
    migrations.migrate(empty_database)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")

    with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
        migrations.migrate(empty_database)


def test_every_tenant_table_has_row_level_security(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity"
        ).fetchall()

    assert {r[0] for r in rows} == {"schema_migrations"}


def test_a_tenant_transaction_sees_only_its_own_rows(database_url: str) -> None:
    database = Database(database_url)
    with database.transaction() as conn:
        ours, theirs = (
            conn.execute(
                "INSERT INTO organizations (name) VALUES (%s) RETURNING id", [n]
            ).fetchone()["id"]
            for n in ("ours", "theirs")
        )
        for org, name in ((ours, "ours.example"), (theirs, "theirs.example")):
            conn.execute(
                "INSERT INTO domains (organization_id, name, unicode_name) VALUES (%s, %s, %s)",
                [org, name, name],
            )

    with database.transaction(ours) as conn:
        visible = [r["name"] for r in conn.execute("SELECT name FROM domains")]
        orgs = [r["id"] for r in conn.execute("SELECT id FROM organizations")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO domains (organization_id, name, unicode_name) "
                "VALUES (%s, 'x.example', 'x.example')",
                [theirs],
            )

    assert visible == ["ours.example"]
    assert orgs == [ours]
    database.close()


def test_message_bodies_are_not_compressed_with_pglz(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        kept = conn.execute(
            "SELECT attname, attstorage, attcompression FROM pg_attribute "
            "WHERE attrelid = 'messages'::regclass "
            "AND attname IN ('text_body', 'html_body', 'extracted_text', 'headers') "
            "ORDER BY attname"
        ).fetchall()

    assert [name for name, _, _ in kept] == ["extracted_text", "headers", "html_body", "text_body"]
    # Uncompressed out of line, or lz4 where the server has it: never pglz.
    assert all(storage == "e" or compression == "l" for _, storage, compression in kept)


def test_rows_of_ingest_still_belong_to_an_existing_organization(database_url: str) -> None:
    """The direct references to organizations were dropped from the tables a stored message
    writes: the composite references to their parents still refuse an organisation that does
    not own the parent (or does not exist)."""
    database = Database(database_url)
    with database.transaction() as conn:
        org = conn.execute(
            "INSERT INTO organizations (name) VALUES ('owner') RETURNING id"
        ).fetchone()["id"]
        domain = conn.execute(
            "INSERT INTO domains (organization_id, name, unicode_name) "
            "VALUES (%s, 'owner.example', 'owner.example') RETURNING id",
            [org],
        ).fetchone()["id"]
        inbox = conn.execute(
            "INSERT INTO inboxes (organization_id, domain_id, local_part) "
            "VALUES (%s, %s, 'in') RETURNING id",
            [org, domain],
        ).fetchone()["id"]
        thread = conn.execute(
            "INSERT INTO threads (organization_id, inbox_id) VALUES (%s, %s) RETURNING id",
            [org, inbox],
        ).fetchone()["id"]
        message = conn.execute(
            "INSERT INTO messages (organization_id, inbox_id, thread_id, message_id, "
            "direction, from_address) VALUES (%s, %s, %s, '<a@x>', 'inbound', 'a@x') "
            "RETURNING id",
            [org, inbox, thread],
        ).fetchone()["id"]
    stranger = uuid4()
    refused = [
        ("INSERT INTO threads (organization_id, inbox_id) VALUES (%s, %s)", [stranger, inbox]),
        (
            "INSERT INTO messages (organization_id, inbox_id, message_id, direction, "
            "from_address) VALUES (%s, %s, '<b@x>', 'inbound', 'b@x')",
            [stranger, inbox],
        ),
        (
            "INSERT INTO message_recipients (organization_id, message_id, kind, address, "
            "position) VALUES (%s, %s, 'to', 'in@owner.example', 0)",
            [stranger, message],
        ),
        (
            "INSERT INTO attachments (organization_id, message_id, content_type, size_bytes, "
            "sha256, storage_key) VALUES (%s, %s, 'text/plain', 1, '', 'k')",
            [stranger, message],
        ),
        (
            "INSERT INTO message_references (organization_id, inbox_id, message_id, "
            "thread_id, kind) VALUES (%s, %s, '<c@x>', %s, 'header')",
            [stranger, inbox, thread],
        ),
        (
            "INSERT INTO thread_subjects (organization_id, inbox_id, thread_id, subject_key, "
            "first_at, last_at) VALUES (%s, %s, %s, 'k', now(), now())",
            [stranger, inbox, thread],
        ),
        (
            "INSERT INTO thread_participants (organization_id, thread_id, address) "
            "VALUES (%s, %s, 'a@x')",
            [stranger, thread],
        ),
    ]
    for statement, params in refused:
        # 23503: foreign_key_violation
        with pytest.raises(StorageError, match="23503"), database.transaction() as conn:
            conn.execute(statement, params)
    database.close()


def test_the_identity_index_serves_the_lookup_by_content(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT id FROM messages WHERE inbox_id = %s AND content_sha256 = 'x'",
                [uuid4()],
            )
        )

    assert "messages_inbox_content_identity" in plan


def test_events_stored_before_the_xid_order_come_first(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0010 gives the events already stored xid 0, not its own transaction's: a
    writer that began before it and appends after it must sort after them."""
    shipped = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [m for m in shipped if m.version < 10])
    migrations.migrate(empty_database)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        org = conn.execute("INSERT INTO organizations (name) VALUES ('Acme') RETURNING id")
        org_id = org.fetchone()[0]
        conn.execute(
            "INSERT INTO events (organization_id, type, dedup_key, payload) "
            "VALUES (%s, 'domain.verified', 'before', '{}')",
            [org_id],
        )
    monkeypatch.setattr(migrations, "available", lambda: shipped)
    migrations.migrate(empty_database)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO events (organization_id, type, dedup_key, payload) "
            "VALUES (%s, 'domain.verified', 'after', '{}')",
            [org_id],
        )
        found = conn.execute("SELECT dedup_key, xid::text FROM events ORDER BY xid, seq")
        rows = found.fetchall()

    assert [key for key, _ in rows] == ["before", "after"]
    assert rows[0][1] == "0"
    assert int(rows[1][1]) > 0


def test_domains_claimed_before_ownership_records_keep_or_must_prove_their_names(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0011: a verified domain held its name alone and keeps it; a pending one
    gets an ownership record to publish and may not send or receive until it is seen; and
    from then on one name may be claimed by several organisations but verified by one."""
    shipped = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [m for m in shipped if m.version < 11])
    migrations.migrate(empty_database)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        org, other = (
            conn.execute(
                "INSERT INTO organizations (name) VALUES (%s) RETURNING id", [n]
            ).fetchone()[0]
            for n in ("Acme", "Globex")
        )
        domains = {}
        for name, status in (("verified.example", "verified"), ("pending.example", "pending")):
            domains[status] = conn.execute(
                "INSERT INTO domains (organization_id, name, unicode_name, status, mx_verified, "
                "dkim_verified) VALUES (%s, %s, %s, %s, true, true) RETURNING id",
                [org, name, name, status],
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO domain_records (organization_id, domain_id, position, purpose, "
                "type, name, value, priority, status) "
                "VALUES (%s, %s, 0, 'receiving_mx', 'MX', %s, 'inbound-smtp.x', 10, 'verified')",
                [org, domains[status], name],
            )
    monkeypatch.setattr(migrations, "available", lambda: shipped)
    migrations.migrate(empty_database)

    with psycopg.connect(empty_database, autocommit=True) as conn:
        records = conn.execute(
            "SELECT d.status, r.position, r.purpose, r.name, r.value, r.status, "
            "d.verification_token, d.mx_verified, d.dkim_verified "
            "FROM domains d JOIN domain_records r ON r.domain_id = d.id "
            "ORDER BY d.name, r.position"
        ).fetchall()
        conn.execute(
            "INSERT INTO domains (organization_id, name, unicode_name) "
            "VALUES (%s, 'verified.example', 'verified.example')",
            [other],
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "UPDATE domains SET status = 'verified' "
                "WHERE organization_id = %s AND name = 'verified.example'",
                [other],
            )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "INSERT INTO domains (organization_id, name, unicode_name) "
                "VALUES (%s, 'pending.example', 'pending.example')",
                [org],
            )

    pending_mx, ownership, verified_mx = records
    token = ownership[6]
    assert len(token) == 32
    assert pending_mx[:3] == ("pending", 0, "receiving_mx")
    assert ownership[:6] == (
        "pending",
        1,
        "ownership",
        "_mailman.pending.example",
        f"mailman-verification={token}",
        "missing",
    )
    assert ownership[7:] == (False, False)
    assert verified_mx[:3] == ("verified", 0, "receiving_mx")
    assert verified_mx[7:] == (True, True)


def test_mail_of_threads_deleted_before_the_trash_starts_its_time_in_trash_now(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0022 moves the messages of threads deleted the old way into trash, dated by
    the migration: dated by the old delete, retention would erase them at once."""
    shipped = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [m for m in shipped if m.version < 22])
    migrations.migrate(empty_database)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        org = conn.execute("INSERT INTO organizations (name) VALUES ('Acme') RETURNING id")
        org_id = org.fetchone()[0]
        domain = conn.execute(
            "INSERT INTO domains (organization_id, name, unicode_name) "
            "VALUES (%s, 'example.com', 'example.com') RETURNING id",
            [org_id],
        ).fetchone()[0]
        inbox = conn.execute(
            "INSERT INTO inboxes (organization_id, domain_id, local_part) "
            "VALUES (%s, %s, 'support') RETURNING id",
            [org_id, domain],
        ).fetchone()[0]
        thread = conn.execute(
            "INSERT INTO threads (organization_id, inbox_id, deleted_at) "
            "VALUES (%s, %s, now() - interval '400 days') RETURNING id",
            [org_id, inbox],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO messages (organization_id, inbox_id, thread_id, message_id, direction, "
            "from_address) VALUES (%s, %s, %s, '<old@x>', 'inbound', 'a@x.example')",
            [org_id, inbox, thread],
        )
    monkeypatch.setattr(migrations, "available", lambda: shipped)
    migrations.migrate(empty_database)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        found = conn.execute(
            "SELECT folder, restore_folder, now() - deleted_at < interval '1 hour' FROM messages"
        ).fetchall()

    assert found == [("trash", "inbox", True)]
