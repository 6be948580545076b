-- What each bill took from the usage totals, so usage that arrives after a
-- period was billed is found and billed later, once.

-- The totals of a contract and month as they were billed: JSON {class: [records, quantity, units]}.
CREATE TABLE usage_billed (
    contract_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    bill_id BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (contract_id, period)
);

-- Contract-months that received usage after their month was billed.
CREATE TABLE usage_late (
    contract_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    PRIMARY KEY (contract_id, period)
);
