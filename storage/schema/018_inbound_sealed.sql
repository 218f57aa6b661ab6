-- 018_inbound_sealed: the inbound dedupe record names nobody. Its key
-- (chat id, sender id, message id) was kept in clear beside the reply,
-- and a tip's reply holds the tip's reference, so the file alone linked
-- a reporter to their tip for dedupe_days. Now a row is found by ref, an
-- HMAC-SHA256 of channel, chat, sender and message id under a key
-- derived from the store key, and reply is sealed (AES-256-GCM) like a
-- reporter's identity (storage/chats.c, storage/reporters.c). channel,
-- the instance's configured name, stays in clear.
--
-- The old rows cannot be converted here (the key is not in the
-- database) and are deleted with the table: they are transient records.
-- A platform's retry of a message in flight during the upgrade is
-- therefore handled, and answered, a second time. secure_delete (on by
-- default in Debian's SQLite, set here whatever the build) zeroes the
-- freed pages, so the old bytes do not stay in the file; copies of the
-- file made before the upgrade keep them until they are deleted.
PRAGMA secure_delete = ON;
DROP TABLE inbound_seen;
CREATE TABLE inbound_seen (
	channel		TEXT NOT NULL,
	ref		BLOB NOT NULL PRIMARY KEY,
	seen_at		INTEGER NOT NULL,
	reply		BLOB NOT NULL
);
CREATE INDEX inbound_seen_at ON inbound_seen(seen_at);
