-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    -- A subscriber's token sees only this customer.
    customer_id INTEGER REFERENCES customers(id),
    label TEXT,
    created_on TEXT NOT NULL,
    revoked_on TEXT
);
