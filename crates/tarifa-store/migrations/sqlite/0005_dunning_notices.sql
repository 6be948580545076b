-- Dunning (DUN-1…6) and the outbox of notices (NOT-3).

ALTER TABLE contracts ADD COLUMN suspended_on TEXT;
ALTER TABLE contracts ADD COLUMN suspension_cause TEXT;

-- The fee kind of a charge (reconnection, early_termination, …) as SCENARIOS.md names it.
ALTER TABLE charges ADD COLUMN fee_kind TEXT;

-- Each dunning step taken for a bill, once.
CREATE TABLE dunning_steps (
    bill_id INTEGER NOT NULL REFERENCES bills(id),
    step TEXT NOT NULL,
    on_date TEXT NOT NULL,
    PRIMARY KEY (bill_id, step)
);

-- Notices to subscribers, written with the change that causes them; delivery reads this outbox.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    contract_id INTEGER,
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    rules TEXT NOT NULL,
    text TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notices_customer ON notices (customer_id);
CREATE INDEX notices_unsent ON notices (sent_at);
