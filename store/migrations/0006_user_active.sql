-- A user who leaves is deactivated rather than deleted: their decisions and consortia keep their author.
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;
