-- Price changes (CAT-3, CAT-4): announced in advance, effective on a day;
-- an unfavourable one opens a penalty-free termination window.
CREATE TABLE price_changes (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    package_id TEXT NOT NULL,
    monthly_fee_minor INTEGER NOT NULL,
    previous_fee_minor INTEGER NOT NULL,
    announced_on TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    unfavourable BOOLEAN NOT NULL,
    window_from TEXT,
    window_to TEXT
);
CREATE INDEX price_changes_package ON price_changes (market, package_id);
