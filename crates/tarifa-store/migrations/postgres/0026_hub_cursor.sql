-- Hub events come from the audit trail, which every change writes in its own
-- transaction: the cursor is the last audit event turned into hub events, and
-- a listener hears only of changes after it registered.
ALTER TABLE hub_subscriptions ADD COLUMN from_audit_id BIGINT NOT NULL DEFAULT 0;

CREATE TABLE hub_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    audit_id BIGINT NOT NULL
);
