-- 010_ledger: the tip ledger. A tip moves received -> assigned ->
-- verifying -> (rejected | confirmed) -> disposing -> closed, each move an
-- event in the append-only history; it is assigned to staff, has a
-- deadline in its state and is escalated when it passes; tips naming the
-- same enterprise are linked to the first (首报). Receipts, rewards, the
-- two-person reveal of a reporter and leads from group chatter live beside
-- it.

-- The state replaces the status (SQLite cannot change a CHECK in place;
-- a column of its own carries the new one). Old statuses keep their names.
ALTER TABLE tips ADD COLUMN state TEXT NOT NULL DEFAULT 'received'
	CHECK (state IN ('received', 'assigned', 'verifying', 'rejected',
	'confirmed', 'disposing', 'closed'));
UPDATE tips SET state = status;
ALTER TABLE tips DROP COLUMN status;
ALTER TABLE tips ADD COLUMN enterprise_id INTEGER REFERENCES enterprises(id);
-- The first tip about the same enterprise, when this one is not the
-- first; NULL for a first report (首报) and for a tip naming none.
ALTER TABLE tips ADD COLUMN first_id INTEGER REFERENCES tips(id);
ALTER TABLE tips ADD COLUMN measure TEXT CHECK (measure IS NULL OR measure IN
	('admonished', 'warned', 'penalty', 'criminal', 'deregistered',
	'shut'));
ALTER TABLE tips ADD COLUMN due_at INTEGER;	-- deadline in this state
ALTER TABLE tips ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tips ADD COLUMN closed_at INTEGER;
-- Made through the letter page without a way back, or by choice: never
-- eligible for a reward.
ALTER TABLE tips ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tips_state ON tips(state, due_at);
CREATE INDEX tips_enterprise ON tips(enterprise_id, created_at);
CREATE INDEX tips_created ON tips(created_at);

-- The history: who ("staff:N", "reporter", "system"), the kind of event
-- (received, assigned, verifying, rejected, confirmed, disposing, closed,
-- returned, escalated, question, answer, linked, notified, reward, read,
-- reveal_requested, reveal_approved, reveal_refused, revealed, forgotten)
-- and the state the tip is in after it.
ALTER TABLE tip_events ADD COLUMN actor TEXT;
ALTER TABLE tip_events ADD COLUMN state TEXT;
UPDATE tip_events SET actor = 'reporter', state = 'received'
	WHERE kind = 'received';
CREATE TRIGGER tip_events_append_only_u BEFORE UPDATE ON tip_events
BEGIN SELECT RAISE(ABORT, 'tip_events is append-only'); END;
CREATE TRIGGER tip_events_append_only_d BEFORE DELETE ON tip_events
BEGIN SELECT RAISE(ABORT, 'tip_events is append-only'); END;
CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Who works on a tip now. Reassigning replaces the rows.
CREATE TABLE tip_assignees (
	tip_id		INTEGER NOT NULL REFERENCES tips(id),
	staff_id	INTEGER NOT NULL REFERENCES staff(id),
	assigned_at	INTEGER NOT NULL,
	PRIMARY KEY (tip_id, staff_id)
);
CREATE INDEX tip_assignees_staff ON tip_assignees(staff_id);

-- The custodian duty (保管人): approving the reveal of a reporter. Held
-- apart from the roles: an office or admin without it cannot approve.
ALTER TABLE staff ADD COLUMN custodian INTEGER NOT NULL DEFAULT 0;

-- A 16-digit receipt opens one tip's status and conversation; only its
-- slow hash (scrypt under a salt of the store) is kept.
CREATE TABLE receipts (
	tip_id		INTEGER PRIMARY KEY REFERENCES tips(id),
	hash		BLOB NOT NULL UNIQUE,
	created_at	INTEGER NOT NULL
);

-- Rewards (举报奖励): eligibility, two stages (on opening a case, on
-- disposal) in yuan, and payment.
CREATE TABLE rewards (
	tip_id		INTEGER PRIMARY KEY REFERENCES tips(id),
	eligible	INTEGER NOT NULL,
	reason		TEXT,
	stage1_yuan	INTEGER,
	stage1_at	INTEGER,
	stage2_yuan	INTEGER,
	stage2_at	INTEGER,
	paid_at		INTEGER,
	paid_by		TEXT,
	updated_at	INTEGER NOT NULL
);

-- Revealing a reporter takes two people: a request with a reason, a
-- custodian's decision, and the identity shown once.
CREATE TABLE reveals (
	id		INTEGER PRIMARY KEY,
	tip_id		INTEGER NOT NULL REFERENCES tips(id),
	requested_by	INTEGER NOT NULL REFERENCES staff(id),
	reason		TEXT NOT NULL,
	requested_at	INTEGER NOT NULL,
	decided_by	INTEGER REFERENCES staff(id),
	decision	TEXT CHECK (decision IS NULL OR decision IN ('approved',
			'refused')),
	decided_at	INTEGER,
	shown_at	INTEGER
);
CREATE INDEX reveals_tip ON reveals(tip_id);

-- Leads: group messages with risk phrases, for the area's grid worker;
-- the sender is not kept. msg_key (channel, chat and message id) makes a
-- platform's retry of the message one lead.
CREATE TABLE leads (
	id		INTEGER PRIMARY KEY,
	area_id		INTEGER REFERENCES areas(id),
	group_id	INTEGER REFERENCES groups(id),
	msg_key		TEXT NOT NULL UNIQUE,
	phrase		TEXT NOT NULL,
	body		TEXT NOT NULL,
	state		TEXT NOT NULL DEFAULT 'open'
			CHECK (state IN ('open', 'closed')),
	created_at	INTEGER NOT NULL
);
CREATE INDEX leads_area ON leads(area_id, state);
-- When a group was last warned about a risk phrase.
ALTER TABLE groups ADD COLUMN warned_at INTEGER;
