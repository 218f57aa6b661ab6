-- The web console (/admin): one-time sign-in links sent to a staff
-- member's bound chat or printed by the CLI, and the sessions they open.
-- Both are stored as the SHA-256 of their secret only, like API tokens.
CREATE TABLE login_links (
	id		INTEGER PRIMARY KEY,
	staff_id	INTEGER NOT NULL REFERENCES staff(id),
	hash		BLOB NOT NULL UNIQUE,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	used_at		INTEGER
);
CREATE INDEX login_links_staff ON login_links(staff_id);

CREATE TABLE web_sessions (
	id		INTEGER PRIMARY KEY,
	staff_id	INTEGER NOT NULL REFERENCES staff(id),
	hash		BLOB NOT NULL UNIQUE,
	-- The token every change must carry (X-CSRF-Token): random, per
	-- session, worthless without the cookie.
	csrf		TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	seen_at		INTEGER NOT NULL,
	ended_at	INTEGER
);
CREATE INDEX web_sessions_staff ON web_sessions(staff_id);

-- What the chat simulator (/try) creates is practice: kept out of every
-- figure and export.
ALTER TABLE tips ADD COLUMN practice INTEGER NOT NULL DEFAULT 0;
