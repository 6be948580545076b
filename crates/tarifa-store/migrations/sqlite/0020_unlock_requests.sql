-- Unlock requests (UNL-1…12) and their course.
CREATE TABLE unlock_requests (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    handle TEXT,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    imei TEXT NOT NULL,
    device_id TEXT NOT NULL,
    requester TEXT NOT NULL,
    channel TEXT NOT NULL,
    -- The request's data as given (JSON object).
    fields TEXT NOT NULL,
    received_on TEXT NOT NULL,
    status TEXT NOT NULL,
    respond_by TEXT,
    wrong_entries INTEGER NOT NULL DEFAULT 0,
    code_received_on TEXT,
    closed_on TEXT,
    paid_minor INTEGER
);
CREATE INDEX unlock_requests_imei ON unlock_requests (imei);
