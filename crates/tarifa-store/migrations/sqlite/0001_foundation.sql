-- Foundation: parties, catalog, contracts, decisions, audit, scheduler.
-- Money is INTEGER minor units; rates with more decimals than the currency are TEXT decimals.
-- Dates are TEXT 'YYYY-MM-DD' (civil dates in the market's time zone); instants are TEXT RFC 3339.

CREATE TABLE markets (
    id TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL REFERENCES markets(id),
    handle TEXT,
    kind TEXT NOT NULL,
    residency TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    id_document TEXT,
    id_document_number TEXT,
    keeps_document_copies INTEGER NOT NULL,
    directory TEXT NOT NULL,
    marketing_consent INTEGER NOT NULL,
    language TEXT,
    registered_on TEXT NOT NULL,
    UNIQUE (market, handle)
);

CREATE TABLE packages (
    market TEXT NOT NULL REFERENCES markets(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    monthly_fee_minor INTEGER NOT NULL,
    voice_min INTEGER NOT NULL,
    sms INTEGER NOT NULL,
    data_mb INTEGER NOT NULL,
    rates TEXT NOT NULL,
    promotion_eligible INTEGER NOT NULL,
    exempt_from_commitment_rule INTEGER NOT NULL,
    public INTEGER NOT NULL,
    prepaid INTEGER NOT NULL,
    prepaid_unlock_route INTEGER NOT NULL,
    service TEXT NOT NULL,
    vat_split TEXT NOT NULL,
    withdrawn INTEGER NOT NULL,
    PRIMARY KEY (market, id)
);

CREATE TABLE devices (
    market TEXT NOT NULL REFERENCES markets(id),
    id TEXT NOT NULL,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    retail_price_minor INTEGER NOT NULL,
    subsidised_price_minor INTEGER,
    lent INTEGER NOT NULL,
    sim_locked INTEGER NOT NULL,
    unlock_needs TEXT NOT NULL,
    unlock_method TEXT NOT NULL,
    PRIMARY KEY (market, id)
);

CREATE TABLE fees (
    market TEXT NOT NULL REFERENCES markets(id),
    kind TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (market, kind)
);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL REFERENCES markets(id),
    handle TEXT,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    package_id TEXT NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    activated_on TEXT NOT NULL,
    commitment_start TEXT,
    commitment_months INTEGER,
    commitment_end TEXT,
    deposit_may_be_required INTEGER NOT NULL,
    ended_on TEXT,
    device_id TEXT,
    device_imei TEXT,
    device_price_minor INTEGER,
    device_instalments INTEGER,
    device_lent INTEGER,
    device_sim_locked INTEGER,
    UNIQUE (market, handle)
);
CREATE INDEX contracts_customer ON contracts (customer_id);
CREATE INDEX contracts_number ON contracts (number);

CREATE TABLE contract_benefits (
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (contract_id, position)
);

-- Which package a contract was on from which day: proration, TRM-3 and PRM need the history.
CREATE TABLE contract_packages (
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    valid_from TEXT NOT NULL,
    seq INTEGER NOT NULL,
    package_id TEXT NOT NULL,
    PRIMARY KEY (contract_id, seq)
);

-- Every decision the system took, with its rules and reasons.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    market TEXT NOT NULL,
    on_date TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    outcome TEXT NOT NULL,
    rules TEXT NOT NULL,
    reasons TEXT NOT NULL,
    context TEXT
);
CREATE INDEX decisions_subject ON decisions (subject);

-- Every state change, written in the transaction that made it.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    business_date TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_events (entity, entity_id);

-- The days whose scheduled jobs have run, per market: a restart resumes after the last.
CREATE TABLE scheduler_days (
    market TEXT NOT NULL,
    day TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (market, day)
);

-- The numbering plan's next free subscriber number per market (CON-13).
CREATE TABLE number_sequences (
    market TEXT PRIMARY KEY,
    next_value INTEGER NOT NULL
);
