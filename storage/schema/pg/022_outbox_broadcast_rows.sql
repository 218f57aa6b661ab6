-- A broadcast's rows by broadcast alone (storage/schema/022_outbox_broadcast_rows.sql).
DROP INDEX outbox_broadcast;
CREATE INDEX outbox_broadcast ON outbox(broadcast_id);
