-- An Erasmus+ or keep.eu organisation without an id of its source is known within the source by its
-- name and country (store.partners.name_key), so that a re-crawl finds it again. Erasmus+ organisations
-- stored before that rule have no such key, and the next crawl would add each of them once more.

-- name_key now writes CORDIS's EL and UK as GR and GB, as the organisation's country is stored.
UPDATE organisation_identifiers i SET value = iso.value
FROM (SELECT scheme, value AS written, left(value, -2) || CASE right(value, 2) WHEN 'EL' THEN 'GR' ELSE 'GB' END AS value
      FROM organisation_identifiers
      WHERE scheme IN ('erasmus_results', 'keep_eu') AND (value LIKE '%|EL' OR value LIKE '%|UK')) AS iso
WHERE i.scheme = iso.scheme AND i.value = iso.written
  AND NOT EXISTS (SELECT 1 FROM organisation_identifiers o WHERE o.scheme = iso.scheme AND o.value = iso.value);

-- The key for each organisation of those sources that has none (the first stored, where an earlier
-- crawl added the same one twice: those already stored twice stay so).
INSERT INTO organisation_identifiers (scheme, value, organisation_id)
SELECT DISTINCT ON (scheme, value) scheme, value, organisation_id
FROM (SELECT p.source AS scheme, lower(o.name) || '|' || coalesce(o.country, '') AS value, o.id AS organisation_id
      FROM organisations o
      JOIN participations pa ON pa.organisation_id = o.id
      JOIN projects p ON p.id = pa.project_id
      WHERE p.source IN ('erasmus_results', 'keep_eu')
        AND NOT EXISTS (SELECT 1 FROM organisation_identifiers i WHERE i.organisation_id = o.id AND i.scheme = p.source)
     ) AS keyless
ORDER BY scheme, value, organisation_id
ON CONFLICT DO NOTHING;
