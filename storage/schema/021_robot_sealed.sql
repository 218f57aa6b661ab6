-- 021_robot_sealed: a robot's webhook URL (its access token is in the
-- query or the path) and its signing secret are sealed (AES-256-GCM,
-- like a reporter's identity: storage/reporters.c), so that a copy of
-- the database is not enough to post into every building group as the
-- office's robot. webhook_host, the URL's host, stays in clear for the
-- lists. The rows written before are sealed by the first program that
-- opens the database with the key (groups_seal_clear() in
-- storage/outbox.c, from cli_store() in bot/main.c); until then they are
-- still read from webhook and secret.
ALTER TABLE groups ADD COLUMN webhook_seal BLOB;
ALTER TABLE groups ADD COLUMN secret_seal BLOB;
ALTER TABLE groups ADD COLUMN webhook_host TEXT;
