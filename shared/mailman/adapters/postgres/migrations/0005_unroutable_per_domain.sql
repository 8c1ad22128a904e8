-- Mail for no inbox is recorded once per domain it was addressed to: a message for unknown
-- addresses on two domains of one organisation keeps both domains' recipients.
ALTER TABLE unroutable_messages
    DROP CONSTRAINT unroutable_messages_organization_id_source_id_key,
    ADD UNIQUE (organization_id, source_id, domain_id);
