-- Threading's index: besides message_references (every id an inbox knows, with its thread),
-- the base subjects a thread carried with the first and last Date seen, and its participants.

-- `rooted`: the thread holds a message that is no reply at all; `loose`: it holds a
-- header-less reply whose conversation was not found. It awaits a parent when loose and not
-- rooted.
ALTER TABLE threads
    ADD COLUMN rooted boolean NOT NULL DEFAULT false,
    ADD COLUMN loose  boolean NOT NULL DEFAULT false;

CREATE TABLE thread_subjects (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    inbox_id         uuid NOT NULL,
    thread_id        uuid NOT NULL,
    subject_key      text NOT NULL,
    first_at         timestamptz NOT NULL,
    last_at          timestamptz NOT NULL,
    PRIMARY KEY (thread_id, subject_key),
    FOREIGN KEY (organization_id, thread_id) REFERENCES threads (organization_id, id)
);
CREATE INDEX thread_subjects_lookup ON thread_subjects (inbox_id, subject_key, last_at);

CREATE TABLE thread_participants (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    thread_id        uuid NOT NULL,
    address          text NOT NULL,
    PRIMARY KEY (thread_id, address),
    FOREIGN KEY (organization_id, thread_id) REFERENCES threads (organization_id, id)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['thread_subjects', 'thread_participants'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING (organization_id = current_organization_id()) '
            'WITH CHECK (organization_id = current_organization_id())',
            t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mailman_tenant', t);
    END LOOP;
END
$$;
