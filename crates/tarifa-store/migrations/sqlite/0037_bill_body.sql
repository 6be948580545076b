-- A bill's detail and lines in one compact column (the bill_body module).
-- The store fills it for bills stored before, then drops `detail` and
-- `lines` (Store::convert_bill_bodies).
ALTER TABLE bills ADD COLUMN body BLOB NOT NULL DEFAULT x'';
