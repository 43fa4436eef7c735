-- The day the portal last answered that a stub topic has no topic-details page (HTTP 404): the details
-- spider asks for it again a week later rather than every day.
ALTER TABLE calls ADD COLUMN details_missing_on date;
