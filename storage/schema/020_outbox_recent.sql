-- What was claimed lately for one robot, number or reporter, for the
-- rate limits (storage/outbox_send.c, outbox_recent()): read from the
-- database on both engines, so that counts survive a restart and are
-- shared by every sender; each target's own index keeps the count to its
-- rows (partial: the rows of other kinds of target are not in it, and a
-- claim writes one of them, not all three).
CREATE INDEX outbox_group_claimed ON outbox(group_id, claimed_at)
    WHERE group_id IS NOT NULL;
CREATE INDEX outbox_phone_claimed ON outbox(phone_id, claimed_at)
    WHERE phone_id IS NOT NULL;
CREATE INDEX outbox_reporter_claimed ON outbox(reporter_id, claimed_at)
    WHERE reporter_id IS NOT NULL;
