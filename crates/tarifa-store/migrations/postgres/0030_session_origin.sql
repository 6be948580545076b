-- A session lives only as long as what it was opened with: the API token
-- (revoked or expired, it ends its sessions) or the user (disabled, the same).
ALTER TABLE api_tokens ADD COLUMN opened_with_token BIGINT REFERENCES api_tokens(id);
ALTER TABLE api_tokens ADD COLUMN opened_by_user BIGINT REFERENCES users(id);
-- Sessions opened before this change cannot be traced to their origin: they end.
UPDATE api_tokens SET revoked_on = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
 WHERE expires_at IS NOT NULL AND revoked_on IS NULL;
