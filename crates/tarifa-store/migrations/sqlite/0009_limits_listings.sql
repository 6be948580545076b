-- Spending limits (USE-4) and itemised listings (USE-5).
CREATE TABLE spending_limits (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    amount_minor INTEGER NOT NULL,
    activated_on TEXT NOT NULL
);
CREATE INDEX spending_limits_contract ON spending_limits (contract_id);

CREATE TABLE listings (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    period TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    records INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    delivery TEXT NOT NULL
);
CREATE INDEX listings_contract ON listings (contract_id);
