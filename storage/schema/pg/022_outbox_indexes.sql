-- The outbox's indexes, for what a delivery writes (storage/schema/022_outbox_indexes.sql).
DROP INDEX outbox_broadcast;
CREATE INDEX outbox_broadcast ON outbox(broadcast_id);
DROP INDEX outbox_phone;
CREATE INDEX outbox_phone ON outbox(phone_id) WHERE phone_id IS NOT NULL;
DROP INDEX outbox_claimed;
CREATE INDEX outbox_claimed ON outbox(claimed_at) WHERE claimed_at IS NOT NULL;
