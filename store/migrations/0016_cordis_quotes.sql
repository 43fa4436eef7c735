-- CORDIS quotes a value that holds a quote twice: NCSR "D" arrives as "NCSR ""D""" once the file is read.
-- The importer now reads such a value a second time (crawlers.cordis._quoted_twice); this does the same
-- for what earlier imports stored. Organisations are not renamed by a re-import, so they would keep it;
-- projects and topics are, but only once their dump is imported again. Other sources are left alone.
CREATE FUNCTION pg_temp.read_again(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(value) >= 2 AND value LIKE '"%"'
                     AND strpos(replace(substr(value, 2, length(value) - 2), '""', ''), '"') = 0
                THEN replace(substr(value, 2, length(value) - 2), '""', '"') ELSE value END
$$;

UPDATE organisations o
SET name = pg_temp.read_again(name), short_name = pg_temp.read_again(short_name), city = pg_temp.read_again(city)
WHERE EXISTS (SELECT 1 FROM organisation_identifiers i WHERE i.organisation_id = o.id AND i.scheme = 'cordis')
  AND (name LIKE '"%"' OR short_name LIKE '"%"' OR city LIKE '"%"');

UPDATE projects SET title = pg_temp.read_again(title), acronym = pg_temp.read_again(acronym),
                    topic_title = pg_temp.read_again(topic_title)
WHERE source = 'cordis' AND (title LIKE '"%"' OR acronym LIKE '"%"' OR topic_title LIKE '"%"');

UPDATE topics SET title = pg_temp.read_again(title) WHERE title LIKE '"%"';
