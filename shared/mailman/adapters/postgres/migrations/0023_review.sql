-- Review of issue 22's mailbox: who may call its SECURITY DEFINER functions, and mail
-- marked for erasure, which search, the counts and the thread lists no longer show.
--
-- The functions that write the mailbox's counts and thread facets (0020_mailbox.sql) run as
-- their owner, past row-level security, on whatever rows they are given. Only the trigger on
-- messages (which runs as the owner too) may call them: like every function, they were
-- executable by PUBLIC, so a tenant's transaction could have written any organisation's
-- counts, which the tenant may only read. mailman_search_band (0021) stays callable: it
-- applies the tenant's own predicates.
REVOKE EXECUTE ON FUNCTION mailbox_count_changes(mailbox_row[], mailbox_row[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mailbox_apply(mailbox_row[], mailbox_row[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mailbox_rebuild_threads(uuid[]) FROM PUBLIC;

-- Mail marked for erasure is gone for reading (by id, and from the trash's listing): search
-- does not find it either. mailman_search_band as 0021 made it, but for that condition.
CREATE OR REPLACE FUNCTION mailman_search_band(
    q tsquery, inbox uuid, hidden boolean, read boolean, flagged boolean, attached boolean,
    in_folder text, label text, after_at timestamptz, before_at timestamptz,
    edge_at timestamptz, edge_id uuid, n integer
) RETURNS TABLE (id uuid, created_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    org uuid := current_organization_id();
    inboxes uuid[] := current_inbox_ids();
BEGIN
    IF org IS NULL THEN
        RETURN;
    END IF;
    IF hidden THEN
        RETURN QUERY EXECUTE
            'SELECT m.id, m.created_at FROM messages m WHERE m.organization_id = $1 '
            'AND ($2::uuid[] IS NULL OR m.inbox_id = ANY ($2)) AND NOT m.quarantined '
            'AND (m.deleted_at IS NULL OR (m.folder = ''trash'' AND m.erase_requested_at IS NULL)) '
            'AND ($3::uuid IS NULL OR m.inbox_id = $3) AND ($4::tsquery IS NULL OR m.search @@ $4) '
            'AND ($5::boolean IS NULL OR m.is_read = $5) AND ($6::boolean IS NULL OR m.starred = $6) '
            'AND ($7::boolean IS NULL OR (m.attachment_count > 0) = $7) '
            'AND ($8::text IS NULL OR m.folder = $8) AND ($9::text IS NULL OR m.labels @> ARRAY[$9]) '
            'AND ($10::timestamptz IS NULL OR m.created_at >= $10) '
            'AND ($11::timestamptz IS NULL OR m.created_at < $11) '
            'AND ($12::timestamptz IS NULL OR (m.created_at, m.id) < ($12, $13)) '
            'ORDER BY m.created_at DESC, m.id DESC LIMIT $14'
            USING org, inboxes, inbox, q, read, flagged, attached, in_folder, label, after_at,
                  before_at, edge_at, edge_id, n;
    ELSE
        RETURN QUERY EXECUTE
            'SELECT m.id, m.created_at FROM messages m WHERE m.organization_id = $1 '
            'AND ($2::uuid[] IS NULL OR m.inbox_id = ANY ($2)) AND NOT m.quarantined '
            'AND m.deleted_at IS NULL AND m.folder <> ''trash'' AND m.folder <> ''spam'' '
            'AND ($3::uuid IS NULL OR m.inbox_id = $3) AND ($4::tsquery IS NULL OR m.search @@ $4) '
            'AND ($5::boolean IS NULL OR m.is_read = $5) AND ($6::boolean IS NULL OR m.starred = $6) '
            'AND ($7::boolean IS NULL OR (m.attachment_count > 0) = $7) '
            'AND ($8::text IS NULL OR m.folder = $8) AND ($9::text IS NULL OR m.labels @> ARRAY[$9]) '
            'AND ($10::timestamptz IS NULL OR m.created_at >= $10) '
            'AND ($11::timestamptz IS NULL OR m.created_at < $11) '
            'AND ($12::timestamptz IS NULL OR (m.created_at, m.id) < ($12, $13)) '
            'ORDER BY m.created_at DESC, m.id DESC LIMIT $14'
            USING org, inboxes, inbox, q, read, flagged, attached, in_folder, label, after_at,
                  before_at, edge_at, edge_id, n;
    END IF;
END
$$;

-- Mail marked for erasure is gone for reading: the counts and the thread facets leave it
-- out too, as they leave quarantined mail out (the row the trigger reads is "quarantined"
-- once marked). Otherwise, between a large trash's emptying and the dispatcher's erasure,
-- the trash's count and its thread list showed mail that answers 404. The trigger's
-- functions and the thread rebuild as 0020 made them, but for that; and the rebuild first
-- locks its threads (in id order): two transactions changing one thread's mail at once
-- each deleted the facets they saw and inserted anew, so the second inserted beside the
-- rows the first had just committed (a unique violation). Now the second waits for the
-- first, and its delete (a statement of its own, a fresh snapshot) sees the first's rows.
CREATE OR REPLACE FUNCTION mailbox_rebuild_threads(threads uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    SELECT t.id FROM threads t WHERE t.id = ANY (mailbox_rebuild_threads.threads)
    ORDER BY t.id FOR UPDATE;
    DELETE FROM thread_facets WHERE thread_id = ANY (threads);
    INSERT INTO thread_facets (organization_id, inbox_id, thread_id, facet, messages, unread, last_at)
    SELECT m.organization_id, m.inbox_id, m.thread_id, f.facet, count(*),
           count(*) FILTER (WHERE NOT m.is_read),
           max(COALESCE(m.received_at, m.sent_at, m.created_at))
    FROM messages m
    CROSS JOIN LATERAL unnest(mailbox_facets(m.folder, m.quarantined OR m.erase_requested_at IS NOT NULL, m.is_read, m.starred,
        m.labels, m.attachment_count, m.direction, m.from_address)) AS f(facet)
    WHERE m.thread_id = ANY (threads)
    GROUP BY m.organization_id, m.inbox_id, m.thread_id, f.facet;
    UPDATE threads t SET unread_count = coalesce(
        (SELECT f.unread FROM thread_facets f WHERE f.thread_id = t.id AND f.facet = 'all'), 0)
    WHERE t.id = ANY (threads);
    $$;

CREATE OR REPLACE FUNCTION mailbox_track_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM mailbox_apply('{}', ARRAY(SELECT ROW(n.organization_id, n.inbox_id, n.thread_id, n.folder, n.quarantined OR n.erase_requested_at IS NOT NULL,
        n.is_read, n.starred, n.labels, n.attachment_count, n.direction, n.from_address,
        COALESCE(n.received_at, n.sent_at, n.created_at))::mailbox_row
        FROM new_rows n));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION mailbox_track_delete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM mailbox_apply(ARRAY(SELECT ROW(o.organization_id, o.inbox_id, o.thread_id, o.folder, o.quarantined OR o.erase_requested_at IS NOT NULL,
        o.is_read, o.starred, o.labels, o.attachment_count, o.direction, o.from_address,
        COALESCE(o.received_at, o.sent_at, o.created_at))::mailbox_row
        FROM old_rows o), '{}');
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION mailbox_track_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    gone mailbox_row[];
    came mailbox_row[];
BEGIN
    SELECT coalesce(array_agg(c.o), '{}'), coalesce(array_agg(c.n), '{}') INTO gone, came
    FROM (SELECT ROW(o.organization_id, o.inbox_id, o.thread_id, o.folder, o.quarantined OR o.erase_requested_at IS NOT NULL,
        o.is_read, o.starred, o.labels, o.attachment_count, o.direction, o.from_address,
        COALESCE(o.received_at, o.sent_at, o.created_at))::mailbox_row AS o,
        ROW(n.organization_id, n.inbox_id, n.thread_id, n.folder, n.quarantined OR n.erase_requested_at IS NOT NULL,
        n.is_read, n.starred, n.labels, n.attachment_count, n.direction, n.from_address,
        COALESCE(n.received_at, n.sent_at, n.created_at))::mailbox_row AS n
          FROM old_rows o JOIN new_rows n ON n.id = o.id) c
    WHERE c.o IS DISTINCT FROM c.n;
    PERFORM mailbox_apply(gone, came);
    RETURN NULL;
END
$$;

-- The mail marked already: out of the counts and its threads' facets.
SELECT mailbox_count_changes(
    ARRAY(SELECT ROW(m.organization_id, m.inbox_id, m.thread_id, m.folder, m.quarantined,
        m.is_read, m.starred, m.labels, m.attachment_count, m.direction, m.from_address,
        COALESCE(m.received_at, m.sent_at, m.created_at))::mailbox_row
        FROM messages m WHERE m.erase_requested_at IS NOT NULL AND NOT m.quarantined),
    '{}');
SELECT mailbox_rebuild_threads(ARRAY(SELECT DISTINCT thread_id FROM messages
    WHERE erase_requested_at IS NOT NULL AND thread_id IS NOT NULL));
