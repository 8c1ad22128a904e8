-- Webhooks: endpoints with sealed signing secrets, one delivery per (endpoint, event) created
-- by the event log itself, and every attempt of each.

-- The secret is stored sealed (AES-GCM under a KMS data key, or the local key file), never in
-- clear: a dump of the database alone does not reveal it. During a rotation the previous
-- secret signs too, until `previous_secret_expires_at`.
ALTER TABLE webhook_endpoints
    DROP COLUMN secret,
    ADD COLUMN inbox_ids                  uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN secret_sealed              bytea NOT NULL,
    ADD COLUMN previous_secret_sealed     bytea,
    ADD COLUMN previous_secret_expires_at timestamptz,
    -- Why an endpoint is not enabled: the caller's choice, its receiver answered 410 Gone,
    -- or it failed every attempt for days.
    ADD COLUMN disabled_reason            text CHECK (disabled_reason IN ('manual', 'gone', 'failing')),
    ADD COLUMN disabled_at                timestamptz,
    -- The first failed attempt since the last success: the endpoint is failing since then.
    ADD COLUMN failing_since              timestamptz,
    ADD COLUMN last_success_at            timestamptz;

-- A delivery is pending until an attempt succeeds (delivered) or its retries run out, a
-- manual retry fails, or its endpoint answers 410 (failed). While pending, `next_attempt_at`
-- is when it is due; a claimed delivery is leased (`lease` names the claim, `next_attempt_at`
-- is when the lease runs out and the sweep may send it again). `body` is the request body,
-- fixed when first sent, so every retry and replay sends the same bytes under the same id.
ALTER TABLE webhook_deliveries
    ADD COLUMN event_type      text NOT NULL,
    -- The event's place in the log, so a claim reads an endpoint's due deliveries in the
    -- log's order among those due at one instant (one transaction's events) off one index.
    ADD COLUMN event_seq       bigint NOT NULL,
    ADD COLUMN thread_id       uuid,
    ADD COLUMN body            text,
    ADD COLUMN lease           uuid,
    -- false after a manual retry or a recovery: one attempt, no schedule.
    ADD COLUMN automatic       boolean NOT NULL DEFAULT true,
    ADD COLUMN test            boolean NOT NULL DEFAULT false,
    ADD COLUMN last_attempt_at timestamptz,
    ADD COLUMN failed_at       timestamptz;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
-- A claim takes, of each live endpoint, its oldest due deliveries up to the endpoint's share
-- of leases, read in order off this index: so it reads a few rows per endpoint however many
-- one endpoint has waiting (a receiver that hangs, behind which the due set grows for days).
CREATE INDEX webhook_deliveries_endpoint_due
    ON webhook_deliveries (endpoint_id, next_attempt_at, event_seq) WHERE status = 'pending';

-- Every attempt, as the dispatcher reported it (`id` is the dispatcher's, so a report that
-- arrives twice is stored once).
CREATE TABLE webhook_attempts (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    delivery_id      uuid NOT NULL REFERENCES webhook_deliveries (id),
    endpoint_id      uuid NOT NULL,
    lease            uuid NOT NULL,
    attempted_at     timestamptz NOT NULL,
    latency_ms       integer NOT NULL,
    status_code      integer,
    error            text,
    -- The first 4 KB of what the receiver answered.
    response_body    text NOT NULL DEFAULT '',
    outcome          text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'gone')),
    trigger          text NOT NULL CHECK (trigger IN ('automatic', 'manual', 'test')),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);

ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_attempts
    USING (organization_id = current_organization_id())
    WITH CHECK (organization_id = current_organization_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_attempts TO mailman_tenant;

-- The fan-out: every event appended creates, in the same statement, one pending delivery for
-- each live, enabled endpoint of its organisation that wants it (its types, its inboxes). It
-- is in the database so that no way of appending can forget it. A `webhook.test` event is
-- delivered to its one endpoint by the service; an endpoint never hears of its own
-- `webhook.*` events (it is failing, or disabled).
CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER events_webhook_fan_out AFTER INSERT ON events
    REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out();
