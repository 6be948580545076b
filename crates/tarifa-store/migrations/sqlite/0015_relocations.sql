-- Relocation of a fixed service (CON-10): each request and its course; the
-- last one done holds the address the service is installed at.
CREATE TABLE relocations (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    new_address TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    answer_by TEXT NOT NULL,
    status TEXT NOT NULL,
    answered_on TEXT,
    -- New access infrastructure: its cost, and who bears it.
    infrastructure_minor INTEGER,
    infrastructure TEXT,
    annexed_on TEXT,
    done_by TEXT,
    done_on TEXT
);
CREATE INDEX relocations_contract ON relocations (contract_id);

