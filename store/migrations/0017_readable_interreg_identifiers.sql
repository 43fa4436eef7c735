-- An Interreg call is named by the last part of its page's address, which the crawler used to store with its
-- %-escapes: interreg_lat_lit:jaunatnes-darb%C4%81. It now reads them (crawlers.interreg.readable_slug):
-- interreg_lat_lit:jaunatnes-darbā. This renames what earlier crawls stored, so that a re-crawl finds the
-- same call rather than adding a second one. Everything else refers to a call by its number, except a
-- profile's declared conflicts, which may name it: those names follow. Bytes that are not UTF-8 keep their
-- escapes, as the crawler keeps them. Old links still open the call: the web app reads an unknown
-- identifier's escapes once more.
CREATE FUNCTION pg_temp.readable(value text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    bytes bytea := '';
    i integer := 1;
BEGIN
    WHILE i <= length(value) LOOP
        IF substr(value, i, 3) ~ '^%[0-9A-Fa-f]{2}$' THEN
            bytes := bytes || decode(substr(value, i + 1, 2), 'hex');
            i := i + 3;
        ELSE
            bytes := bytes || convert_to(substr(value, i, 1), 'UTF8');
            i := i + 1;
        END IF;
    END LOOP;
    RETURN convert_from(bytes, 'UTF8');
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    RETURN value;
END
$$;

-- What changes name: only a name whose escapes read as UTF-8, and never onto a name already stored.
CREATE TEMPORARY TABLE renamed ON COMMIT DROP AS
SELECT c.id, c.identifier AS old, r.new
FROM calls c CROSS JOIN LATERAL (SELECT pg_temp.readable(c.identifier) AS new) r
WHERE c.source LIKE 'interreg\_%' AND c.identifier ~ '%[0-9A-Fa-f]{2}' AND r.new <> c.identifier
  AND NOT EXISTS (SELECT 1 FROM calls o WHERE o.source = c.source AND o.identifier = r.new);

UPDATE calls c
SET identifier = r.new, call_id = CASE WHEN c.call_id = r.old THEN r.new ELSE c.call_id END
FROM renamed r
WHERE c.id = r.id;

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT old, new FROM renamed LOOP
        UPDATE profiles SET conflicts = replace(conflicts, r.old, r.new) WHERE strpos(conflicts, r.old) > 0;
    END LOOP;
END
$$;
