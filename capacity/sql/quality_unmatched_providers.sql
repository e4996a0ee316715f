-- Provider names with no Tilbudsportalen id (not delivered, not in the mapping file).
SELECT
    leverandoer,
    count(*) AS placements,
    count(DISTINCT handlekommune) AS municipalities
FROM placements
WHERE tilbud_id IS NULL
GROUP BY leverandoer
ORDER BY placements DESC, leverandoer
