-- Service interrupted by the operator (BIL-7): no subscription is charged for those days.
CREATE TABLE service_interruptions (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    cause TEXT NOT NULL,
    announced_on TEXT
);
CREATE INDEX service_interruptions_contract ON service_interruptions (contract_id);
