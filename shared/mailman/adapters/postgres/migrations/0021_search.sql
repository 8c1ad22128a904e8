-- Search across an organisation's mail takes its matches newest first, in bands
-- (docs/search.md): for a common word the planner walks this index in that order and stops
-- after a band, as `messages_inbox_listing` serves the search of one inbox.
CREATE INDEX messages_org_listing ON messages (organization_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
