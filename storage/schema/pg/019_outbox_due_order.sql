-- Due rows in (next_at, id) order from the index (storage/schema/019_outbox_due_order.sql).
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(state, next_at, id);
