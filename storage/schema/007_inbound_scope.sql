-- 007_inbound_scope: the inbound dedupe record is keyed on what each
-- platform guarantees unique, not on (channel, message id) alone: a
-- Telegram message is known within its chat, a generic integration's
-- within its chat and sender (chat_id and sender_id are '' where the
-- backend's ids are unique without them: the web form's server nonce).
--
-- The old rows are dropped, not carried over: their key lacks the chat
-- and sender, so a new lookup could never match them, and keeping them
-- under an empty scope would keep the collision this fixes. A platform's
-- retry of a message handled just before the upgrade is handled again.
DROP TABLE inbound_seen;
CREATE TABLE inbound_seen (
	channel		TEXT NOT NULL,
	chat_id		TEXT NOT NULL,
	sender_id	TEXT NOT NULL,
	message_id	TEXT NOT NULL,
	seen_at		INTEGER NOT NULL,
	reply		TEXT NOT NULL,
	PRIMARY KEY (channel, chat_id, sender_id, message_id)
);
CREATE INDEX inbound_seen_at ON inbound_seen(seen_at);
