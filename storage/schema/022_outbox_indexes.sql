-- The outbox's indexes, for what a delivery writes (measured with
-- callgrind over a broadcast to 3,000 robots; SQLite's instructions to
-- claim a row and record its answer, commits included, 78k before):
--
-- A broadcast's rows by broadcast alone: with the state in the index,
-- every claim and every answer moved the row's entry twice (pending to
-- sending to sent), in a run of entries that all share one broadcast
-- (19k). Its counts by state read the rows either way (they count numbers
-- and groups apart), and its list of groups, in id order, now comes in
-- order from the index.
DROP INDEX outbox_broadcast;
CREATE INDEX outbox_broadcast ON outbox(broadcast_id);
-- The rows to numbers and the claimed rows only: a row to a robot or a
-- reporter has no number, and a row queued has no claim, yet each had an
-- entry (NULL) in both, written when it was queued and moved at its claim
-- (4k). Every query of them names a number or a claim time, which the
-- partial index's condition follows from.
DROP INDEX outbox_phone;
CREATE INDEX outbox_phone ON outbox(phone_id) WHERE phone_id IS NOT NULL;
DROP INDEX outbox_claimed;
CREATE INDEX outbox_claimed ON outbox(claimed_at) WHERE claimed_at IS NOT NULL;
