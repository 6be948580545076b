-- Complaints (CMP-1…6).
CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    handle TEXT,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    bill_id INTEGER REFERENCES bills(id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    disputed_minor INTEGER NOT NULL,
    undisputed_minor INTEGER NOT NULL,
    decide_by TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_on TEXT,
    appeal_by TEXT,
    appealed_on TEXT,
    regulator_by TEXT,
    UNIQUE (market, handle)
);
CREATE INDEX complaints_customer ON complaints (customer_id);
