-- 021_robot_sealed: a robot's webhook URL and signing secret are sealed;
-- see storage/schema/021_robot_sealed.sql.
ALTER TABLE groups ADD COLUMN webhook_seal bytea;
ALTER TABLE groups ADD COLUMN secret_seal bytea;
ALTER TABLE groups ADD COLUMN webhook_host text;
