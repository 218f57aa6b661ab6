-- Lighter outbox rows for a broadcast, which writes one per robot:
--
-- From this version a broadcast's row to a robot has an empty body: the
-- text is the broadcast's (broadcasts.body), written once and read with
-- the row when it is sent. A program older than this version would send
-- such a row empty, so it refuses the database (the version says so).
-- Rows to numbers keep their own text (an SMS has its own), as do all
-- rows that are not a broadcast's; none of them is ever empty.
--
-- A robot's and a number's claims only: the rate limits count what was
-- claimed for a target since a time (outbox_recent(), every query of
-- these indexes names a claim time, which the condition follows from),
-- yet each queued row had an entry with no claim time, written when it
-- was queued and moved at its claim. A reporter's rows keep all of theirs:
-- a reveal's erasure finds them by reporter.
DROP INDEX outbox_group_claimed;
CREATE INDEX outbox_group_claimed ON outbox(group_id, claimed_at)
    WHERE group_id IS NOT NULL AND claimed_at IS NOT NULL;
DROP INDEX outbox_phone_claimed;
CREATE INDEX outbox_phone_claimed ON outbox(phone_id, claimed_at)
    WHERE phone_id IS NOT NULL AND claimed_at IS NOT NULL;
