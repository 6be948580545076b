-- Usage, bills, the ledger and payments.

-- One row per usage record; the record id makes imports idempotent.
CREATE TABLE usage_records (
    id TEXT PRIMARY KEY,
    contract_id INTEGER NOT NULL,
    period TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    to_number TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    roaming TEXT,
    bucket TEXT NOT NULL,
    units INTEGER NOT NULL,
    import_id INTEGER
) WITHOUT ROWID;

-- Usage totals per contract, billing period ('YYYY-MM') and class: what the bill run rates.
CREATE TABLE usage_totals (
    contract_id INTEGER NOT NULL,
    period TEXT NOT NULL,
    bucket TEXT NOT NULL,
    records INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    units INTEGER NOT NULL,
    PRIMARY KEY (contract_id, period, bucket)
) WITHOUT ROWID;

CREATE TABLE usage_imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    imported INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);

CREATE TABLE ledger_transfers (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    on_date TEXT NOT NULL,
    UNIQUE (market, kind, reference)
);

CREATE TABLE ledger_entries (
    transfer_id INTEGER NOT NULL REFERENCES ledger_transfers(id),
    position INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, position)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account);

CREATE TABLE bills (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    -- monthly (BIL-1), or separate (TRM-3: a bill of its own for one charge).
    kind TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    period TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    total_minor INTEGER NOT NULL,
    vat_minor INTEGER NOT NULL,
    previous_balance_minor INTEGER NOT NULL,
    total_due_minor INTEGER NOT NULL,
    detail TEXT NOT NULL,
    transfer_id INTEGER NOT NULL REFERENCES ledger_transfers(id)
);
-- One monthly bill per account and period: what makes bill runs re-runnable.
CREATE UNIQUE INDEX bills_monthly ON bills (customer_id, period) WHERE kind = 'monthly';

CREATE TABLE bill_lines (
    bill_id INTEGER NOT NULL REFERENCES bills(id),
    position INTEGER NOT NULL,
    contract_id INTEGER,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    vat TEXT NOT NULL,
    rule TEXT,
    category TEXT,
    PRIMARY KEY (bill_id, position)
);

-- Gapless bill numbers per market and year.
CREATE TABLE bill_sequences (
    market TEXT NOT NULL,
    year INTEGER NOT NULL,
    next_value INTEGER NOT NULL,
    PRIMARY KEY (market, year)
);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    reference TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    received_on TEXT NOT NULL,
    transfer_id INTEGER NOT NULL REFERENCES ledger_transfers(id),
    UNIQUE (market, reference)
);

-- One-time charges, fees and credits waiting for the next bill.
CREATE TABLE charges (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    contract_id INTEGER,
    kind TEXT NOT NULL,
    category TEXT,
    description TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    vat TEXT NOT NULL,
    rule TEXT,
    on_date TEXT NOT NULL,
    bill_id INTEGER
);
CREATE INDEX charges_open ON charges (market, bill_id);
