-- The event log is read by cursor, and a cursor must never pass an event that is still to
-- appear. seq alone cannot promise that: a transaction takes its seq when it appends, not when
-- it commits, so one that appends first and commits last would slip in behind a reader that
-- has moved on. So each event keeps the id of the transaction that appended it, readers take
-- events in (xid, seq) order, and only events whose transaction is older than every
-- transaction still running (the snapshot's xmin): no event can appear before those any
-- more.
--
-- Events stored before this migration come first, as xid 0, in the order they had: a
-- transaction that began before it and appends afterwards gets its own xid and sorts after
-- them. Transaction ids mean something only within one cluster: after moving the data to
-- another one logically (pg_dump and restore, logical replication), run
-- `UPDATE events SET xid = '0'` once before the API is opened again (README, "Moving the
-- database").
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX events_org_order ON events (organization_id, xid, seq);
DROP INDEX events_org_seq;
