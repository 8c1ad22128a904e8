-- Review of issue 22's mailbox: who may call its SECURITY DEFINER functions, and what
-- search finds.
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
