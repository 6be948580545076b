-- CON-14: personal and traffic data erased after the retention period.
ALTER TABLE customers ADD COLUMN anonymised_on TEXT;
