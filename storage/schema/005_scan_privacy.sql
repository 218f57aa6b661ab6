-- 005_scan_privacy: a random salt per day for the scans' address hashes
-- (deleted once the day is over, so an old day's hashes cannot be
-- recomputed), and per-code totals that keep a letter's reach once the
-- scan rows older than storage.scan_detail_days have been deleted.

CREATE TABLE scan_salts (
	day		TEXT PRIMARY KEY,	-- YYYYMMDD, local time
	salt		BLOB NOT NULL
);

CREATE TABLE scan_totals (
	code_id		INTEGER PRIMARY KEY REFERENCES letter_codes(id),
	scans		INTEGER NOT NULL DEFAULT 0,	-- people, bots excluded
	forwarded	INTEGER NOT NULL DEFAULT 0,
	devices		INTEGER NOT NULL DEFAULT 0,	-- unique per code
	bots		INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX scans_at ON scans(at);
