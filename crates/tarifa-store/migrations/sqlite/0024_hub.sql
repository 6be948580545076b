-- TMF event hubs: who asked to be told about which API's events, and each
-- event to deliver to each of them (retried until delivered or given up).
CREATE TABLE hub_subscriptions (
    id INTEGER PRIMARY KEY,
    api TEXT NOT NULL,
    callback TEXT NOT NULL,
    query TEXT,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE hub_events (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES hub_subscriptions(id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    given_up_at TEXT,
    last_error TEXT
);

CREATE INDEX hub_events_due ON hub_events (next_attempt_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;
