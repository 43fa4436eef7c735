-- A step handed to a colleague is emailed to them at once, as a mention is (the digest is weekly by default,
-- and a step may be due in days). `handed_emailed_at` says it went, so that a retried job does not send it
-- again and the digest does not repeat it; handing the step to someone else clears it.
ALTER TABLE application_steps ADD COLUMN handed_emailed_at timestamptz;
