-- 002_staff_outbox: staff and their chat identities, API tokens, robot
-- groups, broadcasts and the outbox that delivers every outbound message.

CREATE TABLE staff (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	role		TEXT NOT NULL CHECK (role IN ('grid_worker', 'grid_chief',
			'liaison', 'office', 'admin')),
	area_id		INTEGER NOT NULL REFERENCES areas(id),
	phone		TEXT,
	active		INTEGER NOT NULL DEFAULT 1,
	created_at	INTEGER NOT NULL
);

-- One-time codes a staff member sends from a chat account to bind it.
CREATE TABLE bind_codes (
	code		TEXT PRIMARY KEY,
	staff_id	INTEGER NOT NULL REFERENCES staff(id),
	expires_at	INTEGER NOT NULL,
	used_at		INTEGER
);

-- Chat accounts recognised as staff: (channel instance, platform user).
CREATE TABLE identities (
	channel		TEXT NOT NULL,
	user_id		TEXT NOT NULL,
	staff_id	INTEGER NOT NULL REFERENCES staff(id),
	bound_at	INTEGER NOT NULL,
	PRIMARY KEY (channel, user_id)
);

-- Bearer tokens of the HTTP API, stored as SHA-256 of the token.
CREATE TABLE api_tokens (
	id		INTEGER PRIMARY KEY,
	hash		BLOB NOT NULL UNIQUE,
	role		TEXT NOT NULL CHECK (role IN ('office', 'admin')),
	area_id		INTEGER NOT NULL REFERENCES areas(id),
	label		TEXT,
	created_at	INTEGER NOT NULL,
	revoked_at	INTEGER
);

-- Outbound-only group robots (DingTalk, WeCom, Feishu) are groups whose
-- channel is the robot type and whose chat_id is the robot's name.
ALTER TABLE groups ADD COLUMN webhook TEXT;
ALTER TABLE groups ADD COLUMN secret TEXT;
CREATE INDEX groups_area ON groups(area_id, kind);

CREATE TABLE broadcasts (
	id		INTEGER PRIMARY KEY,
	area_id		INTEGER NOT NULL REFERENCES areas(id),
	kinds		TEXT NOT NULL,
	body		TEXT NOT NULL,
	notice_id	INTEGER REFERENCES notices(id),
	created_by	TEXT NOT NULL,
	created_at	INTEGER NOT NULL
);

-- Every outbound message. Written in the transaction of what caused it,
-- then delivered by the delivery thread: pending -> sending -> sent, or
-- back to pending with next_at (retry), or dead with last_error. A row
-- found in 'sending' at start was in flight when the process stopped and
-- is sent again.
CREATE TABLE outbox (
	id		INTEGER PRIMARY KEY,
	broadcast_id	INTEGER REFERENCES broadcasts(id),
	group_id	INTEGER NOT NULL REFERENCES groups(id),
	body		TEXT NOT NULL,
	idem_key	TEXT NOT NULL UNIQUE,
	state		TEXT NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER NOT NULL,
	last_error	TEXT,
	sent_at		INTEGER,
	created_at	INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_at);
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, state);

-- Notices get published: the broadcast that carried them.
ALTER TABLE notices ADD COLUMN published_at INTEGER;

CREATE TABLE audit_log (
	id		INTEGER PRIMARY KEY,
	at		INTEGER NOT NULL,
	actor		TEXT NOT NULL,
	action		TEXT NOT NULL,
	detail		TEXT
);

-- Notices imported before publishing existed count as published.
UPDATE notices SET published_at = created_at;
