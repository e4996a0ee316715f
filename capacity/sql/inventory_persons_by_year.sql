-- Distinct persons with at least one placement period covering 1 January, per year.
WITH years AS (
    SELECT unnest(range(
        (SELECT year(min(start_date)) + 1 FROM placement_rows),
        -- up to 1 January after the last delivered start: later end dates are plans
        (SELECT year(max(start_date)) + 2 FROM placement_rows)
    )) AS year
)
SELECT
    y.year,
    count(DISTINCT p.person_key) AS persons
FROM years y
LEFT JOIN placement_rows p
    ON p.start_date <= make_date(CAST(y.year AS INTEGER), 1, 1)
    AND (p.end_date IS NULL OR p.end_date >= make_date(CAST(y.year AS INTEGER), 1, 1))
GROUP BY y.year
ORDER BY y.year
