-- What the subscriber wrote in a complaint, kept as written.
ALTER TABLE complaints ADD COLUMN description TEXT;
