-- Lighter outbox rows for a broadcast (storage/schema/023_outbox_rows.sql):
-- a robot's row has an empty body (the broadcast's text), and the claim
-- indexes hold claimed rows only.
DROP INDEX outbox_group_claimed;
CREATE INDEX outbox_group_claimed ON outbox(group_id, claimed_at)
    WHERE group_id IS NOT NULL AND claimed_at IS NOT NULL;
DROP INDEX outbox_phone_claimed;
CREATE INDEX outbox_phone_claimed ON outbox(phone_id, claimed_at)
    WHERE phone_id IS NOT NULL AND claimed_at IS NOT NULL;
