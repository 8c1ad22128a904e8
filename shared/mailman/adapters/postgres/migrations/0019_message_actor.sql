-- Who sent a message: the caller of the request that stored it (NULL for mail received, and
-- for mail stored by no caller). The events the platform appends about the message later,
-- with no caller of their own (`message.sent`, `message.failed`), record it as their actor,
-- so the log says which agent's mail was sent or failed.
ALTER TABLE messages ADD COLUMN actor jsonb DEFAULT current_actor();
