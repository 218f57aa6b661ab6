-- A broadcast's rows by broadcast alone: with the state in the index,
-- every claim and every answer of a send moved the row's entry twice
-- (pending to sending to sent), in a run of entries that all share one
-- broadcast: 19,000 of the 78,000 instructions SQLite spent writing the
-- two, a tenth of a delivery to a robot (197,000). Its counts by state
-- read the rows either way (they count numbers and groups apart), and its
-- list of groups, in id order, now comes in order from the index.
DROP INDEX outbox_broadcast;
CREATE INDEX outbox_broadcast ON outbox(broadcast_id);
