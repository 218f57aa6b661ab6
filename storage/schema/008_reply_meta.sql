-- 008_reply_meta: an outbox row that answers an inbound message carries
-- what that message said about how to answer it (a JSON object of the
-- channel backend's own: DingTalk's sessionWebhook and its expiry, …).

ALTER TABLE outbox ADD COLUMN meta TEXT;
