-- A bill's lines live with the bill, encoded in one column (the store's
-- bill_lines module), with their count for listings. Lines of bills issued
-- before are moved from bill_lines into it when the store opens.
ALTER TABLE bills ADD COLUMN lines BLOB;
ALTER TABLE bills ADD COLUMN line_count INTEGER NOT NULL DEFAULT 0;
