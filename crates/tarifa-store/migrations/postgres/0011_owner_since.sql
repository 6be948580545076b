-- CON-9, CON-11: the day the current owner took over a contract.
ALTER TABLE contracts ADD COLUMN owner_since TEXT;
