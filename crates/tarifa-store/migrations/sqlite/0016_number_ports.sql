-- Number portability (CON-13): numbers ported in with a contract, and out with its end.
CREATE TABLE number_ports (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    number TEXT NOT NULL,
    -- in or out
    direction TEXT NOT NULL,
    -- The other operator.
    operator TEXT NOT NULL,
    on_date TEXT NOT NULL
);
CREATE INDEX number_ports_contract ON number_ports (contract_id);
