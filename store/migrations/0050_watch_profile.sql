-- A watch reads the new calls under the profile it was watched from: with two profiles, one's screening and ranks
-- are not the other's, and the digest is read under the profile its reader works on now. Watches from before are
-- their user's working profile's (the first profile where none was chosen), where the digest read them.
ALTER TABLE watched_searches ADD COLUMN profile_id bigint REFERENCES profiles (id) ON DELETE CASCADE;
UPDATE watched_searches w SET profile_id = coalesce(u.profile_id, (SELECT min(id) FROM profiles))
FROM users u WHERE u.id = w.user_id;
-- None is left without one: a search is watched from the calls page, which makes the first profile.
DELETE FROM watched_searches WHERE profile_id IS NULL;
ALTER TABLE watched_searches ALTER COLUMN profile_id SET NOT NULL;
ALTER TABLE watched_searches DROP CONSTRAINT watched_searches_user_id_search_key;
ALTER TABLE watched_searches ADD UNIQUE (user_id, profile_id, search);
