-- Search across an organisation's mail takes its matches newest first, in bands
-- (docs/search.md): for a common word the planner walks this index in that order and stops
-- after a band, as `messages_inbox_listing` serves the search of one inbox.
CREATE INDEX messages_org_listing ON messages (organization_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;

-- The newest `n` messages a search's text and simple filters match, older than the edge
-- (edge_at, edge_id), for the caller of the transaction: its organisation's messages, of
-- its inboxes only when it is bound to some, never quarantined, outside trash and spam
-- unless `hidden`. It applies exactly the tenant's row-level security predicates, and no
-- others than these, itself: under row-level security PostgreSQL will not use the GIN index
-- for `@@` (the operator is not leakproof, so it may not run before the policies), and it
-- misjudges the policies' own selectivity; here the statement is planned with the values
-- (EXECUTE) and runs as the table's owner. Any argument left NULL asks nothing.
CREATE FUNCTION mailman_search_band(
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
            'AND (m.deleted_at IS NULL OR m.folder = ''trash'') '
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
