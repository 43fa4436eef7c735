-- An Erasmus+ or keep.eu organisation without an id of its source is known within the source by its
-- name and country (store.partners.name_key), so that a re-crawl finds it again. Erasmus+ organisations
-- stored before that rule have no such key, and the next crawl would add each of them once more.

-- name_key now writes CORDIS's EL and UK as GR and GB, as the organisation's country is stored.
UPDATE organisation_identifiers i
SET value = left(i.value, -2) || CASE right(i.value, 2) WHEN 'EL' THEN 'GR' ELSE 'GB' END
WHERE i.scheme IN ('erasmus_results', 'keep_eu') AND (i.value LIKE '%|EL' OR i.value LIKE '%|UK')
  AND NOT EXISTS (SELECT 1 FROM organisation_identifiers o WHERE o.scheme = i.scheme
                  AND o.value = left(i.value, -2) || CASE right(i.value, 2) WHEN 'EL' THEN 'GR' ELSE 'GB' END);

-- The key for each organisation of those sources that has none (the first stored, where an earlier
-- crawl added the same one twice: those already stored twice stay so).
INSERT INTO organisation_identifiers (scheme, value, organisation_id)
SELECT DISTINCT ON (p.source, lower(o.name) || '|' || coalesce(o.country, ''))
       p.source, lower(o.name) || '|' || coalesce(o.country, ''), o.id
FROM organisations o
JOIN participations pa ON pa.organisation_id = o.id
JOIN projects p ON p.id = pa.project_id
WHERE p.source IN ('erasmus_results', 'keep_eu')
  AND NOT EXISTS (SELECT 1 FROM organisation_identifiers i WHERE i.organisation_id = o.id AND i.scheme = p.source)
ORDER BY p.source, lower(o.name) || '|' || coalesce(o.country, ''), o.id
ON CONFLICT DO NOTHING;
