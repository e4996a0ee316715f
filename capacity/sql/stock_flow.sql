-- Stock on 1 January, person-days, inflow and outflow per municipality (or the region:
-- $by_region) x target group x year, from episode_years (docs/metrics.md).
-- Stock counts distinct persons; inflow and outflow count episodes.
SELECT
    CASE WHEN $by_region THEN $region_code ELSE kommunekode END AS kommunekode,
    target_group,
    CAST(year AS INTEGER) AS year,
    count(DISTINCT person_key) FILTER (WHERE in_stock) AS stock,
    sum(person_days) AS person_days,
    count(*) FILTER (WHERE entered) AS inflow,
    count(*) FILTER (WHERE exited) AS outflow
FROM episode_years
GROUP BY ALL
