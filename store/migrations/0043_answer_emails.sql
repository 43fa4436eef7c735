-- Leadership's answer to a bid (approved or rejected) is emailed at once to whoever recorded the bid and
-- whoever writes it, as a mention is: the digest is weekly by default, and a rejected bid should not be
-- written for a week, nor an approved one wait that long to start. `approval_emailed_to` lists those told of
-- the latest answer, so that a retried job does not send it again and the digest does not repeat it; a new
-- answer empties it.
ALTER TABLE decisions ADD COLUMN approval_emailed_to bigint[] NOT NULL DEFAULT '{}';
