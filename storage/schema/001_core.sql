-- 001_core: areas, the enterprise registry and warning notices, chat groups,
-- tips with their reporters kept apart, and inbound dedupe.

CREATE TABLE areas (
	id		INTEGER PRIMARY KEY,
	parent_id	INTEGER REFERENCES areas(id),
	name		TEXT NOT NULL,
	level		INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	path		TEXT NOT NULL UNIQUE,
	households	INTEGER NOT NULL DEFAULT 0,
	liaison		TEXT,
	phone		TEXT
);
CREATE INDEX areas_parent ON areas(parent_id);

CREATE TABLE enterprises (
	id		INTEGER PRIMARY KEY,
	uscc		TEXT UNIQUE,
	name		TEXT NOT NULL,
	name_key	TEXT NOT NULL,
	address		TEXT,
	area_id		INTEGER REFERENCES areas(id),
	risk_level	TEXT NOT NULL DEFAULT 'none'
			CHECK (risk_level IN ('none', 'low', 'medium', 'high')),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX enterprises_name_key ON enterprises(name_key);
CREATE INDEX enterprises_name ON enterprises(name);

CREATE TABLE notices (
	id		INTEGER PRIMARY KEY,
	issue		INTEGER NOT NULL UNIQUE,
	title		TEXT,
	published_on	TEXT NOT NULL,
	created_at	INTEGER NOT NULL
);

CREATE TABLE notice_enterprises (
	notice_id	INTEGER NOT NULL REFERENCES notices(id),
	enterprise_id	INTEGER NOT NULL REFERENCES enterprises(id),
	measure		TEXT NOT NULL CHECK (measure IN ('admonished', 'warned',
			'penalty', 'criminal', 'deregistered', 'shut', 'listed')),
	PRIMARY KEY (notice_id, enterprise_id)
);
CREATE INDEX notice_enterprises_enterprise ON notice_enterprises(enterprise_id);

-- Substring search over company names: the one engine-specific table, used
-- only by storage/search.c. grams holds the character trigrams of the folded
-- name and its last two characters (a phrase of trigrams, or a two-character
-- prefix, is a substring match); tags holds "flagged" for enterprises on a
-- warning notice.
CREATE VIRTUAL TABLE enterprise_search USING fts5(grams, tags,
	tokenize = 'unicode61', prefix = '2', columnsize = 0);

CREATE TABLE groups (
	id		INTEGER PRIMARY KEY,
	channel		TEXT NOT NULL,
	chat_id		TEXT NOT NULL,
	title		TEXT,
	kind		TEXT,
	area_id		INTEGER REFERENCES areas(id),
	locale		TEXT,
	first_seen	INTEGER NOT NULL,
	UNIQUE (channel, chat_id)
);

-- A reporter's platform identity, sealed with AES-256-GCM; ref is a keyed
-- hash of the identity so that a reporter's tips can be found without
-- opening the seal.
CREATE TABLE reporters (
	id		INTEGER PRIMARY KEY,
	ref		BLOB NOT NULL UNIQUE,
	sealed		BLOB NOT NULL,
	created_at	INTEGER NOT NULL
);

CREATE TABLE tips (
	id		INTEGER PRIMARY KEY,
	ref		TEXT NOT NULL UNIQUE,
	body		TEXT NOT NULL,
	status		TEXT NOT NULL DEFAULT 'received'
			CHECK (status IN ('received', 'verifying', 'disposing',
			'closed', 'rejected')),
	area_id		INTEGER REFERENCES areas(id),
	channel		TEXT NOT NULL,
	chat_kind	TEXT NOT NULL,
	reporter_id	INTEGER REFERENCES reporters(id),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX tips_reporter ON tips(reporter_id);
CREATE INDEX tips_area ON tips(area_id);

-- Append-only history of each tip.
CREATE TABLE tip_events (
	id		INTEGER PRIMARY KEY,
	tip_id		INTEGER NOT NULL REFERENCES tips(id),
	at		INTEGER NOT NULL,
	kind		TEXT NOT NULL,
	note		TEXT
);
CREATE INDEX tip_events_tip ON tip_events(tip_id);

CREATE TABLE tip_counters (
	day		TEXT PRIMARY KEY,
	n		INTEGER NOT NULL
);

-- Messages whose work was done, with the reply given, so that a platform's
-- retry is answered again without doing the work twice.
CREATE TABLE inbound_seen (
	channel		TEXT NOT NULL,
	message_id	TEXT NOT NULL,
	seen_at		INTEGER NOT NULL,
	reply		TEXT NOT NULL,
	PRIMARY KEY (channel, message_id)
);
CREATE INDEX inbound_seen_at ON inbound_seen(seen_at);
