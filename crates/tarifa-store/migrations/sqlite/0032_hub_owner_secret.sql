-- A listener belongs to the token that registered it (only that token or an
-- admin removes it), and every event posted to it is signed with its own
-- secret (HMAC-SHA256), shown once at registration.
ALTER TABLE hub_subscriptions ADD COLUMN owner_token_id INTEGER REFERENCES api_tokens(id);
ALTER TABLE hub_subscriptions ADD COLUMN secret TEXT;
-- Listeners registered before had no secret to sign with and no check of
-- where their callback points: they end, and register again.
UPDATE hub_events SET given_up_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), last_error = 'the listener must register again (signed events)'
 WHERE delivered_at IS NULL AND given_up_at IS NULL
   AND subscription_id IN (SELECT id FROM hub_subscriptions WHERE deleted_at IS NULL);
UPDATE hub_subscriptions SET deleted_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE deleted_at IS NULL;
