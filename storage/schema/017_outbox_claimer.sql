-- Who claimed a row being sent: on PostgreSQL the claiming connection's
-- server process (pg_backend_pid()), so that another instance takes over
-- the claims of one that was killed as soon as its connection is gone,
-- without waiting for the lease (next_at). SQLite, one process per file,
-- leaves it NULL.
ALTER TABLE outbox ADD COLUMN claimer INTEGER;
