-- The inbound dedupe record found by a keyed hash, its reply sealed; the
-- old rows are deleted, so a retry of a message in flight during the
-- upgrade is answered twice (storage/schema/018_inbound_sealed.sql).
DROP TABLE inbound_seen;
CREATE TABLE inbound_seen (
	channel		text NOT NULL,
	ref		bytea NOT NULL PRIMARY KEY,
	seen_at		bigint NOT NULL,
	reply		bytea NOT NULL
);
CREATE INDEX inbound_seen_at ON inbound_seen(seen_at);
