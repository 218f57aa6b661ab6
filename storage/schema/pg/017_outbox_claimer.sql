-- Who claimed a row being sent and when (storage/schema/017_outbox_claimer.sql).
ALTER TABLE outbox ADD COLUMN claimer bigint;
ALTER TABLE outbox ADD COLUMN claimed_at bigint;
CREATE INDEX outbox_claimed ON outbox(claimed_at);
