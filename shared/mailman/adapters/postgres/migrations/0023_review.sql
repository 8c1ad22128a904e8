-- The functions that write the mailbox's counts and thread facets (0020_mailbox.sql) run as
-- their owner, past row-level security, on whatever rows they are given. Only the trigger on
-- messages (which runs as the owner too) may call them: like every function, they were
-- executable by PUBLIC, so a tenant's transaction could have written any organisation's
-- counts, which the tenant may only read. mailman_search_band (0021) stays callable: it
-- applies the tenant's own predicates.
REVOKE EXECUTE ON FUNCTION mailbox_count_changes(mailbox_row[], mailbox_row[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mailbox_apply(mailbox_row[], mailbox_row[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mailbox_rebuild_threads(uuid[]) FROM PUBLIC;
