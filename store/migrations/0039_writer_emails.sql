-- A colleague named to write an application is emailed at once, as one mentioned or handed a step is: the
-- digest is weekly by default, and the writing of a bid cannot wait that long to start. `lead_emailed_at`
-- says it went, so that a retried job does not send it again and the digest does not repeat it; naming
-- someone else clears it.
ALTER TABLE decisions ADD COLUMN lead_emailed_at timestamptz;
