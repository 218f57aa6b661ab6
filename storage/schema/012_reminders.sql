-- 012_reminders: scheduled reminders, their firings, quiet hours, weekly
-- patrols and calendar feeds.
--
-- A reminder reaches an audience under its area: groups of some kinds
-- (and "sms" for the numbers registered there), staff of some roles, or
-- both; it fires at the occurrences of an iCalendar RRULE from dtstart in
-- its time zone. Each occurrence is a firing row, keyed by (reminder,
-- due_at): written in the transaction that sends it, so that it goes out
-- once whatever stops the process, and marked skipped when the daemon was
-- down longer than the reminder's catch-up age.
CREATE TABLE reminders (
	id		INTEGER PRIMARY KEY,
	title		TEXT NOT NULL,
	body		TEXT NOT NULL,
	area_id		INTEGER NOT NULL REFERENCES areas(id),
	kinds		TEXT NOT NULL DEFAULT '',
	roles		TEXT NOT NULL DEFAULT '',
	rrule		TEXT NOT NULL,
	dtstart		INTEGER NOT NULL,
	tz		TEXT NOT NULL DEFAULT 'Asia/Shanghai',
	urgent		INTEGER NOT NULL DEFAULT 0,
	catchup_seconds	INTEGER NOT NULL DEFAULT 21600,
	paused		INTEGER NOT NULL DEFAULT 0,
	next_at		INTEGER,
	calendar	TEXT,		-- the preset it came from, or NULL
	created_by	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	deleted_at	INTEGER,
	CHECK (kinds <> '' OR roles <> '')
);
CREATE INDEX reminders_next ON reminders(next_at) WHERE deleted_at IS NULL
	AND paused = 0;

CREATE TABLE reminder_firings (
	reminder_id	INTEGER NOT NULL REFERENCES reminders(id),
	due_at		INTEGER NOT NULL,
	state		TEXT NOT NULL CHECK (state IN ('held', 'sent',
			'skipped')),
	held_until	INTEGER,
	broadcast_id	INTEGER REFERENCES broadcasts(id),
	staff_told	INTEGER NOT NULL DEFAULT 0,
	at		INTEGER NOT NULL,
	PRIMARY KEY (reminder_id, due_at)
);

-- Quiet hours per area (minutes after local midnight); an area without a
-- row has its nearest ancestor's, else 22:00-08:00.
CREATE TABLE quiet_hours (
	area_id		INTEGER PRIMARY KEY REFERENCES areas(id),
	start_minute	INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
	end_minute	INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1439)
);

-- A grid worker's patrol of a building: what they found, when.
CREATE TABLE patrols (
	id		INTEGER PRIMARY KEY,
	staff_id	INTEGER NOT NULL REFERENCES staff(id),
	area_id		INTEGER NOT NULL REFERENCES areas(id),
	finding		TEXT NOT NULL,
	at		INTEGER NOT NULL,
	week		TEXT NOT NULL	-- ISO week of `at`, local: 2026-W24
);
CREATE INDEX patrols_week ON patrols(week, area_id);
CREATE INDEX patrols_staff ON patrols(staff_id, at);

-- Calendar feeds (/ics/<secret>.ics): the secret's hash, revocable.
CREATE TABLE ics_feeds (
	id		INTEGER PRIMARY KEY,
	staff_id	INTEGER NOT NULL REFERENCES staff(id),
	hash		BLOB NOT NULL UNIQUE,
	created_at	INTEGER NOT NULL,
	revoked_at	INTEGER
);
