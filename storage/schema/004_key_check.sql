-- 004_key_check: facts about the database itself. key_check holds an HMAC
-- of a fixed text under the reporter key, so that a start with a missing or
-- wrong key file is refused before it could seal anything with a new key.

CREATE TABLE store_meta (
	name		TEXT PRIMARY KEY,
	value		BLOB NOT NULL
);
