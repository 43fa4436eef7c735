-- Who writes the application: the team member who leads a bid or maybe. In a team of five, where the
-- administrative work tends to rest on one person, the pipeline shows who leads what. A user deleted
-- (added by mistake) leaves the call without a lead; the history keeps who led it.
ALTER TABLE decisions ADD COLUMN lead_id bigint REFERENCES users (id) ON DELETE SET NULL;
