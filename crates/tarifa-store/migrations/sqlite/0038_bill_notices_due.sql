-- The bills whose notice (BIL-6) the outbox has yet to make: a bill run
-- writes a bill's id here in the bill's transaction instead of a rendered
-- notice; the outbox makes the notices from the bill rows a batch at a time
-- and removes the ids in the same transaction (exactly once).
CREATE TABLE bill_notices_due (
    bill_id INTEGER PRIMARY KEY REFERENCES bills(id)
);
