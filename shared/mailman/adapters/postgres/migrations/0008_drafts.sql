-- Drafts, and List-Unsubscribe.
--
-- A draft is a message row in state `draft` with no thread: it joins a thread (and the
-- thread index learns its Message-ID) only when it is sent, when the same row moves on to
-- pending or scheduled. `updated_at` is its version, so an edit and a send racing for one
-- draft cannot both win.
--
-- `list_unsubscribe` is the URI an outgoing message carries in List-Unsubscribe (an https
-- URL, one-click as RFC 8058 has it, or a mailto:): the domain's default, or the message's
-- own.
ALTER TABLE messages ADD COLUMN list_unsubscribe text;
ALTER TABLE domains ADD COLUMN list_unsubscribe text;

CREATE INDEX messages_inbox_drafts ON messages (inbox_id, created_at DESC, id DESC)
    WHERE status = 'draft' AND deleted_at IS NULL;
