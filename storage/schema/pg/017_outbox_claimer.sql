-- Who claimed a row being sent (storage/schema/017_outbox_claimer.sql).
ALTER TABLE outbox ADD COLUMN claimer bigint;
