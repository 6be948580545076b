-- CON-13: number changes, on request or announced by the operator.
CREATE TABLE number_changes (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    old_number TEXT NOT NULL,
    new_number TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    announced_on TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    applied_on TEXT
);
CREATE INDEX number_changes_pending ON number_changes (effective_on, applied_on);
