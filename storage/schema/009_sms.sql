-- 009_sms: phone numbers for SMS lists, and SMS delivery states.
--
-- A number is kept like a reporter's identity: sealed (AES-256-GCM under
-- the store key) and found through a keyed hash of its E.164 form, so the
-- file holds no number in clear. A number has at most one area (its
-- building, from `fangfei import phones`); one that only ever texted
-- 退订 has none. opted_out_at set: no broadcast reaches it.
CREATE TABLE phones (
	id		INTEGER PRIMARY KEY,
	ref		BLOB NOT NULL UNIQUE,
	sealed		BLOB NOT NULL,
	name_sealed	BLOB,
	area_id		INTEGER REFERENCES areas(id),
	opted_out_at	INTEGER,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX phones_area ON phones(area_id);

-- The outbox gains rows to phone numbers (phone_id, sent by the SMS
-- channel instance named in channel) and to reporters (reporter_id: the
-- chat is opened from the reporter's seal at sending, so that answering a
-- reporter writes nothing about them in clear) beside rows to groups, and
-- two
-- states that only a delivery report sets: an SMS the gateway took is
-- 'sent'; its report makes it 'delivered' or 'failed'. report_ref is the
-- platform's id of the message (Twilio's MessageSid), reported_at when
-- the report came. SQLite cannot relax NOT NULL or change a CHECK in
-- place: the table is rebuilt, its ids kept.
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
			CHECK (state IN ('pending', 'sending', 'sent',
			'delivered', 'failed', 'dead')),
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
INSERT INTO outbox_new (id, broadcast_id, group_id, body, idem_key, state,
    attempts, next_at, last_error, sent_at, created_at, meta)
    SELECT id, broadcast_id, group_id, body, idem_key, state, attempts,
    next_at, last_error, sent_at, created_at, meta FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, next_at);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, state);
CREATE INDEX outbox_phone ON outbox(phone_id);
