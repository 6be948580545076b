-- Abuse (ABU-1…5): each finding against a contract, and the remedy it waits for (a signed statement, access granted, over-use remedied).
CREATE TABLE abuse_cases (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    kind TEXT NOT NULL,
    found_on TEXT NOT NULL,
    action TEXT NOT NULL,
    remedy_by TEXT,
    remedy_on TEXT,
    suspended_until TEXT
);
CREATE INDEX abuse_cases_contract ON abuse_cases (contract_id);
