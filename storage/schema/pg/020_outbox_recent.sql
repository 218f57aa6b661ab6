-- Each target's recent claims, for the rate limits (storage/schema/020_outbox_recent.sql).
CREATE INDEX outbox_group_claimed ON outbox(group_id, claimed_at)
    WHERE group_id IS NOT NULL;
CREATE INDEX outbox_phone_claimed ON outbox(phone_id, claimed_at)
    WHERE phone_id IS NOT NULL;
CREATE INDEX outbox_reporter_claimed ON outbox(reporter_id, claimed_at)
    WHERE reporter_id IS NOT NULL;
