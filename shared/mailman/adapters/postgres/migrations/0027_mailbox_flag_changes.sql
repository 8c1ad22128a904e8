-- Room on every page of messages for one changed row, so that marking mail read or unread,
-- starring it and labelling it are HOT updates: the new version of the row goes on the page
-- of the old, and no index takes a new entry. None of is_read, starred, labels or updated_at
-- is in an index or an index's predicate, and the generated search vector is not computed
-- again (none of the columns it reads changes), so a flag change qualifies; but on a full
-- page a row's new version goes elsewhere, and then every index of the table, the GIN index
-- over the search vector too (a whole message's words), takes an entry for it. At a million
-- messages that was most of a batch of 500's 1.2 s (bench/mailbox.py, docs/benchmarks.md).
--
-- 75: TOAST keeps a row's part on the page under 2,032 bytes (the text beyond goes to the
-- TOAST table), and a quarter of an 8 KB page is 2,048, so the space left holds the new
-- version of any row on it. The heap grows by about a quarter (at a million messages 1.23 GB
-- to 1.55 GB, of 10 GB with its TOAST and indexes); once the old version is no longer seen by
-- anyone, reading the page prunes it and frees its space for the next change.
--
-- This applies to pages written from now on: the pages already written stay full until the
-- table is rewritten (VACUUM FULL messages, which locks it out while it runs, or pg_repack;
-- the same for thread_facets and threads below);
-- mail received from now on gets the room, and HOT updates are counted in
-- pg_stat_user_tables.n_tup_hot_upd.
ALTER TABLE messages SET (fillfactor = 75);

-- The same for thread_facets, which a change now updates in place (below): marking a message
-- read moves the unread figure of each of its facets, some six rows of its thread, most
-- often on one page. `messages` and `unread` are in no index, and `last_at` (in
-- thread_facets_listing) changes only where the facet's newest message joins or leaves, so
-- with room on the page these are HOT updates too. Rows are about 110 bytes: 80 leaves room
-- for a dozen new versions.
ALTER TABLE thread_facets SET (fillfactor = 80);

-- And threads, whose unread_count (in no index) follows its `all` facet: rows are about 330
-- bytes, 90 leaves room for two new versions.
ALTER TABLE threads SET (fillfactor = 90);

-- The trigger of 0020 (as 0023 left it) rebuilt every facet of every thread a write touched
-- from the thread's messages: for a batch of 500 messages in 500 threads, every message of
-- those threads read and some 3,000 thread_facets rows deleted and inserted, to move an
-- unread figure by one. Now it applies the change itself: each facet a changed row left
-- counts -1 (and -1 unread if the row was unread), each it joined +1, summed per thread,
-- facet and time, so that a row whose facet and time stay cancels out (marking mail read
-- moves only the unread figures of its facets, and its thread's unread_count). A facet whose
-- count falls to nothing is deleted. Its time (the newest message's) is only raised by what
-- joined; where a message at that time left it, the time is read again from the thread's
-- messages, for that facet alone. The threads are locked first, in id order, as
-- mailbox_rebuild_threads locks them (0023): that read must not miss a message another
-- transaction is adding to the thread; and, as nothing else writes thread_facets, a facet
-- missing when the change is applied cannot appear meanwhile, so it is inserted and the
-- others updated (INSERT ... ON CONFLICT checked each row first, and cost a third more).
-- mailbox_rebuild_threads stays, as what the incremental figures must always equal (the tests
-- and bench/mailbox.py compare them). The counts of mailbox_counts are moved in the same
-- statement, from the same facets (mailbox_count_changes computed them once more; it stays,
-- unused by the trigger). Replaced, mailbox_apply keeps 0023's revoked EXECUTE.
CREATE OR REPLACE FUNCTION mailbox_apply(gone mailbox_row[], came mailbox_row[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    touched uuid[];
    emptied_threads uuid[];
    emptied_facets text[];
    stale_threads uuid[];
    stale_facets text[];
BEGIN
    IF cardinality(gone) + cardinality(came) = 0 THEN
        RETURN;
    END IF;
    touched := ARRAY(SELECT DISTINCT r.thread_id FROM unnest(gone || came) AS r
                     WHERE r.thread_id IS NOT NULL);
    IF cardinality(touched) > 0 THEN
        PERFORM 1 FROM threads t WHERE t.id = ANY (touched) ORDER BY t.id FOR UPDATE;
    END IF;
    WITH facets AS MATERIALIZED (
        SELECT r.organization_id, r.inbox_id, r.thread_id, f.facet, r.at, s.sign,
               s.sign * CASE WHEN r.is_read THEN 0 ELSE 1 END AS unread
        FROM (SELECT -1, g FROM unnest(gone) AS g UNION ALL SELECT 1, c FROM unnest(came) AS c)
            AS s(sign, changed)
        CROSS JOIN LATERAL (SELECT (s.changed).*) AS r
        CROSS JOIN LATERAL unnest(mailbox_facets(r.folder, r.quarantined, r.is_read, r.starred,
            r.labels, r.attachment_count, r.direction, r.from_address)) AS f(facet)
    ), counted AS (
        INSERT INTO mailbox_counts AS c (organization_id, inbox_id, facet, total, unread)
        SELECT organization_id, inbox_id, facet, sum(sign), sum(unread) FROM facets
        GROUP BY organization_id, inbox_id, facet
        HAVING sum(sign) <> 0 OR sum(unread) <> 0
        ON CONFLICT (inbox_id, facet) DO UPDATE
            SET total = c.total + excluded.total, unread = c.unread + excluded.unread
    ), per_time AS (
        SELECT organization_id, inbox_id, thread_id, facet, at, sum(sign) AS n, sum(unread) AS u
        FROM facets WHERE thread_id IS NOT NULL
        GROUP BY organization_id, inbox_id, thread_id, facet, at
        HAVING sum(sign) <> 0 OR sum(unread) <> 0
    ), change AS (
        SELECT organization_id, inbox_id, thread_id, facet, sum(n)::integer AS n,
               sum(u)::integer AS u, max(at) FILTER (WHERE n > 0) AS came_at,
               max(at) FILTER (WHERE n < 0) AS lost_at
        FROM per_time GROUP BY organization_id, inbox_id, thread_id, facet
    ), updated AS (
        UPDATE thread_facets f
        SET messages = f.messages + c.n, unread = f.unread + c.u,
            last_at = greatest(f.last_at, c.came_at)
        FROM change c
        WHERE f.thread_id = c.thread_id AND f.facet = c.facet
        RETURNING f.thread_id, f.facet, f.messages, f.unread, f.last_at
    ), inserted AS (
        INSERT INTO thread_facets (organization_id, inbox_id, thread_id, facet, messages, unread,
                                   last_at)
        SELECT c.organization_id, c.inbox_id, c.thread_id, c.facet, c.n, c.u,
               coalesce(c.came_at, '-infinity')
        FROM change c
        WHERE NOT EXISTS (SELECT 1 FROM thread_facets f
                          WHERE f.thread_id = c.thread_id AND f.facet = c.facet)
        RETURNING thread_id, facet, messages, unread, last_at
    ), applied AS (
        SELECT * FROM updated UNION ALL SELECT * FROM inserted
    ), unread_counts AS (
        UPDATE threads t SET unread_count = CASE WHEN a.messages > 0 THEN a.unread ELSE 0 END
        FROM applied a
        WHERE a.facet = 'all' AND t.id = a.thread_id
          AND t.unread_count IS DISTINCT FROM CASE WHEN a.messages > 0 THEN a.unread ELSE 0 END
    )
    SELECT coalesce(array_agg(a.thread_id) FILTER (WHERE a.messages <= 0), '{}'),
           coalesce(array_agg(a.facet) FILTER (WHERE a.messages <= 0), '{}'),
           coalesce(array_agg(a.thread_id) FILTER (WHERE a.messages > 0 AND c.lost_at >= a.last_at), '{}'),
           coalesce(array_agg(a.facet) FILTER (WHERE a.messages > 0 AND c.lost_at >= a.last_at), '{}')
    INTO emptied_threads, emptied_facets, stale_threads, stale_facets
    FROM applied a JOIN change c ON c.thread_id = a.thread_id AND c.facet = a.facet;
    IF cardinality(emptied_threads) > 0 THEN
        DELETE FROM thread_facets f
        USING unnest(emptied_threads, emptied_facets) AS e(thread_id, facet)
        WHERE f.thread_id = e.thread_id AND f.facet = e.facet;
    END IF;
    IF cardinality(stale_threads) > 0 THEN
        UPDATE thread_facets f SET last_at = (
            SELECT max(COALESCE(m.received_at, m.sent_at, m.created_at)) FROM messages m
            WHERE m.thread_id = f.thread_id
              AND f.facet = ANY (mailbox_facets(m.folder, m.quarantined OR m.erase_requested_at IS NOT NULL,
                  m.is_read, m.starred, m.labels, m.attachment_count, m.direction, m.from_address)))
        FROM unnest(stale_threads, stale_facets) AS s(thread_id, facet)
        WHERE f.thread_id = s.thread_id AND f.facet = s.facet;
    END IF;
END
$$;
