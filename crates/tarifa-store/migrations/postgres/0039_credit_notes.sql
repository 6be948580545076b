-- Credit notes: a bill once issued is never changed. A credit note is a bill
-- of kind 'credit_note' (negative amounts, its own ledger transfer) with its
-- own number series; this row names the bill it corrects, why, and for each
-- of its lines the corrected bill's line it takes from (a JSON array, null
-- where an amount was spread over the VAT rates).
CREATE TABLE bill_corrections (
    credit_note_id BIGINT PRIMARY KEY REFERENCES bills(id),
    bill_id BIGINT NOT NULL REFERENCES bills(id),
    reason TEXT NOT NULL,
    rule TEXT,
    lines TEXT NOT NULL
);
CREATE INDEX bill_corrections_bill ON bill_corrections (bill_id);

-- Number series besides the bills' (bill_sequences): one per market, series
-- and year, gapless (a number is taken in the transaction that writes its
-- document).
CREATE TABLE document_sequences (
    market TEXT NOT NULL,
    series TEXT NOT NULL,
    year BIGINT NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (market, series, year)
);
