-- Who claimed a row being sent and when. claimer: on PostgreSQL the
-- claiming connection's server process (pg_backend_pid()), so that
-- another instance takes over the claims of one that was killed as soon
-- as its connection is gone, without waiting for the lease (next_at);
-- SQLite, one process per file, leaves it NULL. claimed_at: when, so that
-- instances sharing the outbox count each other's sends against the
-- platforms' rate limits.
ALTER TABLE outbox ADD COLUMN claimer INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;
CREATE INDEX outbox_claimed ON outbox(claimed_at);
