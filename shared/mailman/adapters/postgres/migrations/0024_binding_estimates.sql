-- The inbox binding of 0017, written so the planner can estimate it.
--
-- `current_inbox_ids() IS NULL OR inbox_id = ANY (current_inbox_ids())` is estimated to
-- keep 0.5% of a table's rows, whoever the caller is. At a million messages the planner
-- then expected a few thousand of 470,000 threads, so a thread list scanned and sorted
-- all of them (3.8 s at p95, bench/mailbox.py) rather than walk its index and stop at the
-- page (25 ms). `coalesce(inbox_id = ANY (current_inbox_ids()), true)` means the same (an
-- unbound caller's NULL makes the comparison NULL, hence true; an empty binding keeps
-- nothing) and is estimated as a plain condition. Tables whose rows name their inboxes in
-- an array (uploads, webhook endpoints) and the events' policy keep their form: an empty
-- array must stay visible to an unbound caller, and they are not listed by the million.
DROP POLICY inbox_binding ON inboxes;
CREATE POLICY inbox_binding ON inboxes AS RESTRICTIVE
    USING (coalesce(id = ANY (current_inbox_ids()), true));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['threads', 'messages', 'folders', 'thread_facets', 'mailbox_counts'] LOOP
        EXECUTE format('DROP POLICY inbox_binding ON %I', t);
        EXECUTE format(
            'CREATE POLICY inbox_binding ON %I AS RESTRICTIVE '
            'USING (coalesce(inbox_id = ANY (current_inbox_ids()), true))',
            t);
    END LOOP;
END
$$;
