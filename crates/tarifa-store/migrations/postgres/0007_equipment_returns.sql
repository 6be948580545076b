-- DEV-4: lent equipment is due back by a day after the contract ends.
ALTER TABLE contracts ADD COLUMN return_by TEXT;
ALTER TABLE contracts ADD COLUMN equipment_returned_on TEXT;
