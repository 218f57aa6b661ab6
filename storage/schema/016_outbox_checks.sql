-- The outbox's state check written as comparisons: SQLite evaluates
-- "state IN (...)" in a CHECK through a temporary index built for every
-- row written, and the outbox is written for every send, answer and
-- broadcast row. The same states; the table is rebuilt (SQLite cannot
-- change a CHECK in place), its ids kept.
CREATE TABLE outbox_new (
	id		INTEGER PRIMARY KEY,
	broadcast_id	INTEGER REFERENCES broadcasts(id),
	group_id	INTEGER REFERENCES groups(id),
	phone_id	INTEGER REFERENCES phones(id),
	reporter_id	INTEGER REFERENCES reporters(id),
	channel		TEXT,
	body		TEXT NOT NULL,
	idem_key	TEXT NOT NULL UNIQUE,
	state		TEXT NOT NULL DEFAULT 'pending'
			CHECK (state = 'pending' OR state = 'sending' OR
			state = 'sent' OR state = 'delivered' OR
			state = 'failed' OR state = 'dead'),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER NOT NULL,
	last_error	TEXT,
	sent_at		INTEGER,
	created_at	INTEGER NOT NULL,
	meta		TEXT,
	report_ref	TEXT,
	reported_at	INTEGER,
	CHECK ((group_id IS NOT NULL) + (phone_id IS NOT NULL) +
	    (reporter_id IS NOT NULL) = 1),
	CHECK (group_id IS NOT NULL OR channel IS NOT NULL)
);
INSERT INTO outbox_new (id, broadcast_id, group_id, phone_id, reporter_id, channel, body,
    idem_key, state, attempts, next_at, last_error, sent_at, created_at,
    meta, report_ref, reported_at)
    SELECT id, broadcast_id, group_id, phone_id, reporter_id, channel, body,
    idem_key, state, attempts, next_at, last_error, sent_at, created_at,
    meta, report_ref, reported_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, next_at);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, state);
CREATE INDEX outbox_phone ON outbox(phone_id);
