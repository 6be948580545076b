-- Delivery of the notices outbox (NOT-3): the text as rendered in the
-- customer's language, and the state of its delivery: a lease while one
-- worker sends it, the next attempt after a failure, the last error, and
-- where it went.
ALTER TABLE notices ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE notices ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN claimed_until TEXT;
ALTER TABLE notices ADD COLUMN next_attempt_at TEXT;
ALTER TABLE notices ADD COLUMN last_error TEXT;
ALTER TABLE notices ADD COLUMN destination TEXT;
