-- The profile each user works on: the web pages show its ranking, decisions and consortia, and the
-- user's digest is about it. NULL: the first profile (SIC's).
ALTER TABLE users ADD COLUMN profile_id bigint REFERENCES profiles (id) ON DELETE SET NULL;
