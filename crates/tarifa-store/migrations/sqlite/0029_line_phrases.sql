-- A bill line's and a queued charge's text as a message id and arguments
-- (JSON), so that a bill document is written in the bill's language; the
-- English description stays beside it.
ALTER TABLE bill_lines ADD COLUMN phrase TEXT;
ALTER TABLE charges ADD COLUMN phrase TEXT;
