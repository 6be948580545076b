-- Console and self-care sessions are tokens that expire.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
-- People who log in with a username and password (argon2 PHC strings).
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    -- A subscriber's login sees only this customer.
    customer_id INTEGER REFERENCES customers(id),
    created_on TEXT NOT NULL,
    disabled_on TEXT
);
