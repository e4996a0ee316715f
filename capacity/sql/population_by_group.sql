-- Population of each target group's age band (registered frame age_bands: target_group,
-- age_from, age_to) per municipality (or the region: $by_region) x year x kind x vintage.
SELECT
    CASE WHEN $by_region THEN $region_code ELSE p.kommunekode END AS kommunekode,
    b.target_group,
    CAST(p.aar AS INTEGER) AS year,
    sum(p.antal) AS population,
    p.kind,
    p.vintage
FROM population p
JOIN age_bands b ON p.alder BETWEEN b.age_from AND b.age_to
GROUP BY ALL
