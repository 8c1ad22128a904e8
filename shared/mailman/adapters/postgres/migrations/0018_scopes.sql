-- What migration 0017's inbox binding left open.
--
-- Uploads: a file uploaded ahead of a send belongs to no inbox until a message carries it,
-- so 0017 bound none of them, and a caller bound to one inbox could attach (and so read)
-- a file uploaded by a caller bound to another. An upload now keeps the inboxes its
-- uploader was bound to (NULL: an unbound caller), and a bound caller reaches only the
-- uploads made within its own inboxes, as with webhook endpoints.
ALTER TABLE uploads ADD COLUMN inbox_ids uuid[] DEFAULT current_inbox_ids();

CREATE POLICY inbox_binding ON uploads AS RESTRICTIVE
    USING (current_inbox_ids() IS NULL
           OR (cardinality(inbox_ids) > 0 AND inbox_ids <@ current_inbox_ids()));

-- A test of a webhook endpoint: its event names the endpoint, not an inbox, so 0017 hid it
-- from a bound caller, even the one that appended it (an INSERT ... RETURNING must see its
-- row: the test failed). A bound caller sees the tests of the endpoints it sees.
DROP POLICY inbox_binding ON events;
CREATE POLICY inbox_binding ON events AS RESTRICTIVE FOR SELECT
    USING (current_inbox_ids() IS NULL
           OR (payload->>'inbox_id')::uuid = ANY (current_inbox_ids())
           OR (type = 'webhook.test' AND subject_id IN (SELECT id FROM webhook_endpoints)));
