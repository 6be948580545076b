-- Withdrawn packages (CAT-3): announced with a notice, their subscribers
-- moved to the closest package on the effective day.
CREATE TABLE package_withdrawals (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    package_id TEXT NOT NULL,
    announced_on TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    moved_to TEXT NOT NULL,
    UNIQUE (market, package_id)
);
