-- What each customer paid in all (refunds paid back count negative), kept
-- beside the payments in the transaction that writes each one: a payment's
-- allocation reads one number instead of summing every payment before it.
ALTER TABLE customers ADD COLUMN paid_minor BIGINT NOT NULL DEFAULT 0;
UPDATE customers SET paid_minor = COALESCE(
    (SELECT SUM(p.amount_minor) FROM payments p WHERE p.customer_id = customers.id), 0);
