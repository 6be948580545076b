-- A transfer is one row: the customer's receivable leg as two integers
-- (whose, how much) and the other legs packed as `account=amount;…` in the
-- order they were written. Every balance is still a sum of postings: a
-- customer's is the sum of `receivable_minor` over its transfers. The
-- entries written one row each until now move into their transfer.
ALTER TABLE ledger_transfers ADD COLUMN customer_id BIGINT;
ALTER TABLE ledger_transfers ADD COLUMN receivable_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ledger_transfers ADD COLUMN legs TEXT NOT NULL DEFAULT '';
UPDATE ledger_transfers SET customer_id = r.customer_id, receivable_minor = r.amount
FROM (SELECT transfer_id, MIN(CAST(substr(account, 21) AS BIGINT)) AS customer_id, SUM(amount_minor) AS amount
      FROM ledger_entries WHERE account LIKE 'receivable:customer:%' GROUP BY transfer_id) AS r
WHERE r.transfer_id = ledger_transfers.id;
UPDATE ledger_transfers SET legs = l.legs
FROM (SELECT transfer_id, string_agg(account || '=' || amount_minor, ';' ORDER BY position) AS legs
      FROM ledger_entries WHERE account NOT LIKE 'receivable:customer:%' GROUP BY transfer_id) AS l
WHERE l.transfer_id = ledger_transfers.id;
DROP TABLE ledger_entries;
CREATE INDEX ledger_transfers_customer ON ledger_transfers (customer_id);
