-- Terminations decided now that take effect later (CAT-4 in Montenegro: the
-- contract is deemed terminated on the day the change takes effect).
CREATE TABLE scheduled_terminations (
    contract_id INTEGER PRIMARY KEY REFERENCES contracts(id),
    decided_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- subscriber or operator
    by_whom TEXT NOT NULL,
    reason TEXT NOT NULL,
    done_on TEXT
);
