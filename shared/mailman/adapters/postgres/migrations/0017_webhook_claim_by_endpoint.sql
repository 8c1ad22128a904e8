-- A claim takes, of each live endpoint, its oldest due deliveries (in the log's order among
-- those due at one instant: one transaction's events) up to the endpoint's share of leases,
-- read in that order off one index: so a claim reads a few rows per endpoint however many
-- one endpoint has waiting (a receiver that hangs, behind which the due set grows for days).
ALTER TABLE webhook_deliveries ADD COLUMN event_seq bigint;
UPDATE webhook_deliveries d SET event_seq = e.seq FROM events e WHERE e.id = d.event_id;
ALTER TABLE webhook_deliveries ALTER COLUMN event_seq SET NOT NULL;
CREATE INDEX webhook_deliveries_endpoint_due
    ON webhook_deliveries (endpoint_id, next_attempt_at, event_seq) WHERE status = 'pending';

CREATE OR REPLACE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries
        (organization_id, endpoint_id, event_id, event_seq, event_type, thread_id,
         next_attempt_at)
    SELECT e.organization_id, w.id, e.id, e.seq, e.type, (e.payload->>'thread_id')::uuid, now()
    FROM appended e
    JOIN webhook_endpoints w ON w.organization_id = e.organization_id
    WHERE w.deleted_at IS NULL AND w.enabled
      AND e.type <> 'webhook.test'
      AND (cardinality(w.event_types) = 0 OR e.type = ANY (w.event_types))
      AND (cardinality(w.inbox_ids) = 0 OR (e.payload->>'inbox_id')::uuid = ANY (w.inbox_ids))
      AND NOT (e.type LIKE 'webhook.%' AND e.subject_id = w.id)
    ORDER BY e.seq
    ON CONFLICT (endpoint_id, event_id) DO NOTHING;
    RETURN NULL;
END
$$;
