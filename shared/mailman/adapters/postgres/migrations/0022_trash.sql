-- Erasure (services/mailbox_trash.py) keeps every stored object another message still names:
-- one raw `.eml` or attachment object may belong to messages of several inboxes (the same
-- mail delivered to each). These indexes answer "does a remaining message name this key?"
-- without reading the whole table.
CREATE INDEX messages_raw_storage_key ON messages (raw_storage_key)
    WHERE raw_storage_key IS NOT NULL;
CREATE INDEX attachments_storage_key ON attachments (storage_key);

-- Threads deleted before the trash existed (DELETE /threads set threads.deleted_at alone):
-- their messages move to trash, as deleting a thread does now, so that a thread's
-- deleted_at means "all its mail is in trash" (services/mailbox_trash.py). Their time in trash
-- starts now: dated by the old delete, the retention sweep would erase years of mail within a
-- minute of the deploy, before anyone could restore it.
UPDATE messages m SET restore_folder = m.folder, folder = 'trash', deleted_at = now()
FROM threads t
WHERE m.thread_id = t.id AND t.deleted_at IS NOT NULL AND m.folder <> 'trash';
