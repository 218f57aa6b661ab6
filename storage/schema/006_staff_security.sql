-- 006_staff_security: bind codes stored as hashes, one live code per staff
-- member, failed bind attempts counted durably, the private chat of each
-- identity (to tell a staff member when another account binds as them),
-- token expiry, audit entries scoped to an area, and robot groups keyed
-- by (type, area, name) so that two areas' robots cannot collide.

-- Codes issued before this version were 6 digits and stored in clear:
-- cancel the unused ones; the office issues new codes.
DELETE FROM bind_codes WHERE used_at IS NULL;
CREATE INDEX bind_codes_staff ON bind_codes(staff_id);

-- One row per failed bind attempt, pruned after the cool-down window.
CREATE TABLE bind_failures (
	id		INTEGER PRIMARY KEY,
	channel		TEXT NOT NULL,
	user_id		TEXT NOT NULL,
	at		INTEGER NOT NULL
);
CREATE INDEX bind_failures_sender ON bind_failures(channel, user_id, at);
CREATE INDEX bind_failures_channel ON bind_failures(channel, at);

-- The private chat an identity bound from (NULL when bound in a group).
ALTER TABLE identities ADD COLUMN chat_id TEXT;
CREATE INDEX identities_staff ON identities(staff_id);

ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;

ALTER TABLE audit_log ADD COLUMN area_id INTEGER REFERENCES areas(id);
CREATE INDEX audit_log_at ON audit_log(at);

-- A robot's chat_id becomes "<area id>:<name>"; its title keeps the name.
UPDATE groups SET chat_id = area_id || ':' || chat_id
	WHERE webhook IS NOT NULL AND area_id IS NOT NULL;
