-- Usage records are stored in segments: the records of one contract and
-- month that one import batch brought, encoded together (src/segment.rs),
-- with their totals per class beside them. The bill run reads the totals
-- column only; itemised listings and the API decode the bodies.
-- Record rows of earlier versions are moved into segments when the store
-- opens, and their tables (usage_records, usage_totals) dropped.
CREATE TABLE usage_segments (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL,
    period TEXT NOT NULL,
    import_id INTEGER,
    records INTEGER NOT NULL,
    totals BLOB NOT NULL,
    body BLOB NOT NULL
);

CREATE INDEX usage_segments_contract ON usage_segments (contract_id, period);
CREATE INDEX usage_segments_period ON usage_segments (period, contract_id);
