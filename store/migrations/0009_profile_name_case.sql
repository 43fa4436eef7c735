-- Profile names are unique case aside ("SIC (fusion)" beside "SIC (FUSION)" would confuse). The web app
-- checks this before saving; the index makes two saves at once unable to both pass the check. Names
-- that already differ only in case: the oldest profile keeps its name, the others get their id added.
UPDATE profiles p SET name = p.name || ' (' || p.id || ')'
WHERE EXISTS (SELECT 1 FROM profiles q WHERE lower(q.name) = lower(p.name) AND q.id < p.id);
CREATE UNIQUE INDEX profiles_name_case ON profiles (lower(name));
