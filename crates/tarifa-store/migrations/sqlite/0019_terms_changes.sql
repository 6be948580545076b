-- Changes of the general terms (CAT-2): approved by the regulator,
-- published, binding some days after publication; an unfavourable one
-- opens the CAT-4 window for every subscriber of the market.
CREATE TABLE terms_changes (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    summary TEXT NOT NULL,
    published_on TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    unfavourable BOOLEAN NOT NULL,
    window_from TEXT,
    window_to TEXT
);
