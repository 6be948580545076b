-- Who held a contract on a given day (CON-9: the assignor pays for usage up
-- to the assignment, by when it happened): each transfer of ownership as a
-- row, taken over from the audit trail for transfers made before.
CREATE TABLE contract_transfers (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    from_customer INTEGER NOT NULL,
    to_customer INTEGER NOT NULL,
    on_date TEXT NOT NULL
);
CREATE INDEX contract_transfers_by_contract ON contract_transfers (contract_id, on_date);
CREATE INDEX contract_transfers_by_day ON contract_transfers (on_date);
INSERT INTO contract_transfers (contract_id, from_customer, to_customer, on_date)
SELECT CAST(entity_id AS INTEGER), json_extract(detail, '$.old'), json_extract(detail, '$.new'), business_date
FROM audit_events
WHERE entity = 'contract' AND action = 'transfer' AND business_date IS NOT NULL
ORDER BY id;

-- For a month with a transfer in it, what each holder was charged for:
-- the assignor, the records before the transfer as billed to it; the
-- assignee, `snapshot` less `assignee_base`. Each is written by its own
-- holder's bill, so a bill run stopped between the two resumes exactly.
ALTER TABLE usage_billed ADD COLUMN before_transfer TEXT;
ALTER TABLE usage_billed ADD COLUMN assignee_base TEXT;

-- A device sale undone by a withdrawal from the distance sale (TRM-6): its
-- instalments stop and the device is due back, sealed.
ALTER TABLE device_sales ADD COLUMN withdrawn_on TEXT;
ALTER TABLE device_sales ADD COLUMN returned_on TEXT;
