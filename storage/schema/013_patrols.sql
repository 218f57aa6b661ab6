-- 013_patrols: the weekly patrol deadline's record. Each grid is checked
-- once per ISO week when the deadline passes; its row says so, so that a
-- restart neither tells its chief twice nor forgets to tell them late.
CREATE TABLE patrol_checks (
	grid_id		INTEGER NOT NULL REFERENCES areas(id),
	week		TEXT NOT NULL,		-- 2026-W24
	buildings	INTEGER NOT NULL,	-- at the check
	missing		INTEGER NOT NULL,	-- buildings without a patrol
	told		INTEGER NOT NULL,	-- messages queued to chiefs
	at		INTEGER NOT NULL,
	PRIMARY KEY (grid_id, week)
);

-- When the check first ran: deadlines before it were never watched, so a
-- new installation does not report weeks from before it existed.
CREATE TABLE patrol_check_since (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	at		INTEGER NOT NULL
);
