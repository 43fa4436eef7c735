-- A portal call missing from a complete, clean crawl of the portal's open and forthcoming calls: withdrawn
-- or closed early. Set by the crawl that missed it, cleared by one that lists it again.
ALTER TABLE calls ADD COLUMN unlisted_since timestamptz;
