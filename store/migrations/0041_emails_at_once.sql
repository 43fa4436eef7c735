-- The choice first made for mentions (stop 66) now also covers a handed step and being named to write an
-- application: its name says so.
ALTER TABLE users RENAME COLUMN mention_emails TO emails_at_once;
-- PostgreSQL 18 names a NOT NULL constraint after its column, and a renamed column keeps the old name.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'users_mention_emails_not_null') THEN
        ALTER TABLE users RENAME CONSTRAINT users_mention_emails_not_null TO users_emails_at_once_not_null;
    END IF;
END $$;
