-- A business's tax number: its bills carry it, and tax authorities take the
-- business by it (NAV customerVatStatus DOMESTIC).
ALTER TABLE customers ADD COLUMN tax_number TEXT;

-- Bills and credit notes reported to a tax authority in batches. A batch's
-- request id is fixed when it is formed and never reused, so a batch sent
-- again after a lost answer is recognised by the authority; its transaction
-- id, once known, is polled until every document in it is done or aborted.
CREATE TABLE einvoice_batches (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    authority TEXT NOT NULL,
    request_id TEXT NOT NULL UNIQUE,
    -- sending (no transaction id yet), sent (being polled), finished
    state TEXT NOT NULL,
    transaction_id TEXT,
    created_at TEXT NOT NULL,
    first_sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    last_error TEXT
);
CREATE INDEX einvoice_batches_due ON einvoice_batches (market, state, next_attempt_at);

-- One row per document to report, written in the transaction that issues
-- it. state: queued, sent, done, aborted. The document's XML is fixed when
-- its batch is formed, so every attempt sends the same bytes.
CREATE TABLE einvoice_submissions (
    bill_id INTEGER PRIMARY KEY REFERENCES bills(id),
    market TEXT NOT NULL,
    authority TEXT NOT NULL,
    state TEXT NOT NULL,
    batch_id INTEGER REFERENCES einvoice_batches(id),
    batch_index INTEGER,
    operation TEXT,
    document TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    messages TEXT,
    queued_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX einvoice_submissions_queue ON einvoice_submissions (market, state, batch_id);
CREATE INDEX einvoice_submissions_batch ON einvoice_submissions (batch_id);
