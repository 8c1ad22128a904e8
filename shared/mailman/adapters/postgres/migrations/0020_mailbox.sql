-- The mailbox: folders, read/starred/labels, trash, counts kept as mail changes, search.
--
-- A message is in exactly one folder (`messages.folder`): a system folder's name (inbox,
-- sent, drafts, archive, spam, trash) or a custom folder's id as text. `starred` is a
-- virtual folder (starred mail outside trash and spam), not a value of the column. Trash is
-- the soft delete of the design: a message moved there gets `deleted_at` and remembers where
-- it was (`restore_folder`); it stays readable by id until it is erased.
--
-- Listing and counting read two tables kept by one statement-level trigger on messages, so
-- that every way of writing a message (receiving, sending, drafts, imports, threading's
-- merges, the mailbox's own changes, erasure) keeps them exact:
--   thread_facets   one row per thread and facet: how many of its messages have the facet,
--                   how many of those are unread, and the newest one's time. A thread list
--                   filtered by folder or label walks one index in activity order.
--   mailbox_counts  one row per inbox and facet: its messages and unread messages.
-- A facet is a string (`mailbox_facets`): `in:<folder>` for every message; and, for mail
-- outside trash and spam only, `all`, `is:unread`, `is:starred`, `label:<label>`,
-- `has:attachment`, `dir:<direction>` and `from:<address>`. Quarantined mail has none.

CREATE EXTENSION IF NOT EXISTS unaccent;

-- Mail comes in every language, so no stemmer: `simple` keeps each word as written (lower
-- case), and `unaccent` lets "resume" find "résumé". See docs/search.md.
CREATE TEXT SEARCH CONFIGURATION mailman_search (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION mailman_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, simple;

ALTER TABLE inboxes
    ADD COLUMN trash_retention_days integer NOT NULL DEFAULT 30
        CHECK (trash_retention_days BETWEEN 1 AND 3650);

CREATE TABLE folders (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    inbox_id         uuid NOT NULL,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, inbox_id) REFERENCES inboxes (organization_id, id)
);
CREATE UNIQUE INDEX folders_inbox_name ON folders (inbox_id, lower(name));

-- The words of an address a search should find it by: the whole address, its domain, and
-- the words of its local part ("ann.lee@x.example" is found by ann, lee, x.example).
CREATE FUNCTION mailman_address_words(address text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(address, '') || ' ' || split_part(coalesce(address, ''), '@', 2)
                 || ' ' || translate(split_part(coalesce(address, ''), '@', 1), '._-+', '    ') $$;

-- Weights: A the subject, B the sender, C the other people (to, cc), D the text and the
-- attachments' file names; `subject:`, `from:` and `to:` search one weight. The text is cut
-- at 200,000 characters (a tsvector holds 1 MB, positions stop at 16,383).
CREATE FUNCTION mailman_search_vector(
    subject text, from_name text, from_address text, recipients text, body text,
    attachment_names text
) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT setweight(to_tsvector('public.mailman_search'::regconfig, coalesce(subject, '')), 'A')
        || setweight(to_tsvector('public.mailman_search'::regconfig,
                                 coalesce(from_name, '') || ' ' || mailman_address_words(from_address)), 'B')
        || setweight(to_tsvector('public.mailman_search'::regconfig, coalesce(recipients, '')), 'C')
        || setweight(to_tsvector('public.mailman_search'::regconfig,
                                 left(coalesce(body, ''), 200000) || ' ' || coalesce(attachment_names, '')), 'D')
    $$;

ALTER TABLE messages
    ADD COLUMN folder            text NOT NULL DEFAULT 'inbox' CHECK (length(folder) BETWEEN 1 AND 64),
    ADD COLUMN restore_folder    text,
    ADD COLUMN starred           boolean NOT NULL DEFAULT false,
    ADD COLUMN attachment_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN recipients_text   text,
    ADD COLUMN attachment_names  text,
    ADD COLUMN erase_requested_at timestamptz;

-- Where the mail already stored belongs, by the rules new mail follows (domain/folders.py):
-- drafts in drafts, mail sent in sent (and read), mail received in spam when SES judged it
-- spam, else in the inbox. (New mail also goes to spam when DMARC failed under a sender
-- policy of quarantine; stored mail did not keep that policy.)
UPDATE messages m SET
    folder = CASE
        WHEN m.status = 'draft' THEN 'drafts'
        WHEN m.direction = 'outbound' THEN 'sent'
        WHEN m.verdicts->>'spam' = 'FAIL' THEN 'spam'
        ELSE 'inbox' END,
    is_read = m.is_read OR m.direction = 'outbound',
    attachment_count = (SELECT count(*) FROM attachments a WHERE a.message_id = m.id AND NOT a.inline),
    attachment_names = (SELECT string_agg(a.filename, ' ' ORDER BY a.created_at, a.id)
                        FROM attachments a WHERE a.message_id = m.id),
    recipients_text = (SELECT string_agg(coalesce(r.name, '') || ' ' || mailman_address_words(r.address),
                                         ' ' ORDER BY r.position)
                       FROM message_recipients r
                       WHERE r.message_id = m.id AND r.kind IN ('to', 'cc'));

ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    mailman_search_vector(subject, from_name, from_address, recipients_text,
                          coalesce(text_body, extracted_text), attachment_names)
) STORED;

CREATE INDEX messages_search ON messages USING gin (search);
CREATE INDEX messages_inbox_folder ON messages (inbox_id, folder, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX messages_trash ON messages (deleted_at) WHERE folder = 'trash';
CREATE INDEX messages_erasing ON messages (erase_requested_at) WHERE erase_requested_at IS NOT NULL;

-- A message's facets (see the top of this file).
CREATE FUNCTION mailbox_facets(
    folder text, quarantined boolean, is_read boolean, starred boolean, labels text[],
    attachment_count integer, direction text, from_address text
) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN quarantined THEN '{}'::text[]
        WHEN folder IN ('trash', 'spam') THEN ARRAY['in:' || folder]
        ELSE ARRAY['in:' || folder, 'all', 'dir:' || direction, 'from:' || lower(from_address)]
            || CASE WHEN NOT is_read THEN ARRAY['is:unread'] ELSE '{}'::text[] END
            || CASE WHEN starred THEN ARRAY['is:starred'] ELSE '{}'::text[] END
            || CASE WHEN attachment_count > 0 THEN ARRAY['has:attachment'] ELSE '{}'::text[] END
            || ARRAY(SELECT DISTINCT 'label:' || l FROM unnest(labels) AS l)
        END
    $$;

CREATE TABLE thread_facets (
    organization_id  uuid NOT NULL,
    inbox_id         uuid NOT NULL,
    thread_id        uuid NOT NULL,
    facet            text NOT NULL,
    messages         integer NOT NULL,
    unread           integer NOT NULL,
    last_at          timestamptz NOT NULL,
    PRIMARY KEY (thread_id, facet)
);
CREATE INDEX thread_facets_listing ON thread_facets (inbox_id, facet, last_at DESC, thread_id DESC);

CREATE TABLE mailbox_counts (
    organization_id  uuid NOT NULL,
    inbox_id         uuid NOT NULL,
    facet            text NOT NULL,
    total            integer NOT NULL,
    unread           integer NOT NULL,
    PRIMARY KEY (inbox_id, facet)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['folders', 'thread_facets', 'mailbox_counts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING (organization_id = current_organization_id()) '
            'WITH CHECK (organization_id = current_organization_id())',
            t);
        EXECUTE format(
            'CREATE POLICY inbox_binding ON %I AS RESTRICTIVE '
            'USING (current_inbox_ids() IS NULL OR inbox_id = ANY (current_inbox_ids()))',
            t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON folders TO mailman_tenant;
-- Written only by the trigger below (as its owner), read by the tenant.
GRANT SELECT ON thread_facets, mailbox_counts TO mailman_tenant;

-- Rebuild the facets of `threads` from their messages, and set each one's unread count.
CREATE FUNCTION mailbox_rebuild_threads(threads uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DELETE FROM thread_facets WHERE thread_id = ANY (threads);
    INSERT INTO thread_facets (organization_id, inbox_id, thread_id, facet, messages, unread, last_at)
    SELECT m.organization_id, m.inbox_id, m.thread_id, f.facet, count(*),
           count(*) FILTER (WHERE NOT m.is_read),
           max(COALESCE(m.received_at, m.sent_at, m.created_at))
    FROM messages m
    CROSS JOIN LATERAL unnest(mailbox_facets(m.folder, m.quarantined, m.is_read, m.starred,
        m.labels, m.attachment_count, m.direction, m.from_address)) AS f(facet)
    WHERE m.thread_id = ANY (threads)
    GROUP BY m.organization_id, m.inbox_id, m.thread_id, f.facet;
    UPDATE threads t SET unread_count = coalesce(
        (SELECT f.unread FROM thread_facets f WHERE f.thread_id = t.id AND f.facet = 'all'), 0)
    WHERE t.id = ANY (threads);
    $$;

-- What of a message the listing and the counts read.
CREATE TYPE mailbox_row AS (
    organization_id uuid, inbox_id uuid, thread_id uuid, folder text, quarantined boolean,
    is_read boolean, starred boolean, labels text[], attachment_count integer, direction text,
    from_address text, at timestamptz
);

-- What a change did to the counts: each facet of a row gone counts -1, of a row come +1.
CREATE FUNCTION mailbox_count_changes(gone mailbox_row[], came mailbox_row[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    INSERT INTO mailbox_counts AS c (organization_id, inbox_id, facet, total, unread)
    SELECT organization_id, inbox_id, facet, sum(sign), sum(sign * unread)
    FROM (
        SELECT r.organization_id, r.inbox_id, f.facet, s.sign,
               CASE WHEN r.is_read THEN 0 ELSE 1 END AS unread
        FROM (SELECT -1, g FROM unnest(gone) AS g UNION ALL SELECT 1, n FROM unnest(came) AS n)
            AS s(sign, r)
        CROSS JOIN LATERAL (SELECT (s.r).*) AS r
        CROSS JOIN LATERAL unnest(mailbox_facets(r.folder, r.quarantined, r.is_read, r.starred,
            r.labels, r.attachment_count, r.direction, r.from_address)) AS f(facet)
    ) d
    GROUP BY organization_id, inbox_id, facet
    HAVING sum(sign) <> 0 OR sum(sign * unread) <> 0
    ON CONFLICT (inbox_id, facet) DO UPDATE
        SET total = c.total + excluded.total, unread = c.unread + excluded.unread;
    $$;

-- After any write to messages: adjust the counts by the rows whose facets changed, and
-- rebuild the facets of every thread a changed row (facets, thread or time) left or joined.
CREATE FUNCTION mailbox_apply(gone mailbox_row[], came mailbox_row[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    touched uuid[];
BEGIN
    IF cardinality(gone) + cardinality(came) = 0 THEN
        RETURN;
    END IF;
    PERFORM mailbox_count_changes(gone, came);
    touched := ARRAY(SELECT DISTINCT r.thread_id FROM unnest(gone || came) AS r
                     WHERE r.thread_id IS NOT NULL);
    IF cardinality(touched) > 0 THEN
        PERFORM mailbox_rebuild_threads(touched);
    END IF;
END
$$;

CREATE FUNCTION mailbox_track_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM mailbox_apply('{}', ARRAY(SELECT ROW(n.organization_id, n.inbox_id, n.thread_id, n.folder, n.quarantined,
        n.is_read, n.starred, n.labels, n.attachment_count, n.direction, n.from_address,
        COALESCE(n.received_at, n.sent_at, n.created_at))::mailbox_row
        FROM new_rows n));
    RETURN NULL;
END
$$;

CREATE FUNCTION mailbox_track_delete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM mailbox_apply(ARRAY(SELECT ROW(o.organization_id, o.inbox_id, o.thread_id, o.folder, o.quarantined,
        o.is_read, o.starred, o.labels, o.attachment_count, o.direction, o.from_address,
        COALESCE(o.received_at, o.sent_at, o.created_at))::mailbox_row
        FROM old_rows o), '{}');
    RETURN NULL;
END
$$;

CREATE FUNCTION mailbox_track_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
DECLARE
    gone mailbox_row[];
    came mailbox_row[];
BEGIN
    SELECT coalesce(array_agg(c.o), '{}'), coalesce(array_agg(c.n), '{}') INTO gone, came
    FROM (SELECT ROW(o.organization_id, o.inbox_id, o.thread_id, o.folder, o.quarantined,
        o.is_read, o.starred, o.labels, o.attachment_count, o.direction, o.from_address,
        COALESCE(o.received_at, o.sent_at, o.created_at))::mailbox_row AS o,
        ROW(n.organization_id, n.inbox_id, n.thread_id, n.folder, n.quarantined,
        n.is_read, n.starred, n.labels, n.attachment_count, n.direction, n.from_address,
        COALESCE(n.received_at, n.sent_at, n.created_at))::mailbox_row AS n
          FROM old_rows o JOIN new_rows n ON n.id = o.id) c
    WHERE c.o IS DISTINCT FROM c.n;
    PERFORM mailbox_apply(gone, came);
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_mailbox_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mailbox_track_insert();
CREATE TRIGGER messages_mailbox_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mailbox_track_update();
CREATE TRIGGER messages_mailbox_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mailbox_track_delete();

-- The mail already stored, counted once.
SELECT mailbox_count_changes('{}', ARRAY(SELECT ROW(m.organization_id, m.inbox_id, m.thread_id, m.folder, m.quarantined,
        m.is_read, m.starred, m.labels, m.attachment_count, m.direction, m.from_address,
        COALESCE(m.received_at, m.sent_at, m.created_at))::mailbox_row
    FROM messages m));
SELECT mailbox_rebuild_threads(ARRAY(SELECT id FROM threads));
