-- The due rows are read in (next_at, id) order, oldest first, a batch at
-- a time. SQLite's index on (state, next_at) already gives that order
-- (its entries end with the rowid); PostgreSQL's does not, and sorted every
-- pending row for each batch: 12 ms a batch behind a broadcast of 10,000
-- robots, against 0.2 ms with id in the index.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(state, next_at, id);
