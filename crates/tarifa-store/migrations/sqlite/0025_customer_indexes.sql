-- A customer's bills and payments are read on every bill, account and
-- payment the API shows (open amounts are derived from them).
CREATE INDEX bills_customer ON bills (customer_id);
CREATE INDEX payments_customer ON payments (customer_id);
