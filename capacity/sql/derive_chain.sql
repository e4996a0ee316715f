-- The placements that count as a place (offer type in $offer_types; NULL = every type), with
-- what episode chaining orders them by, as integers: person (person_no, the rank of
-- person_key), part (part_no, the rank of the area when $split_by_area), start and end day
-- (ongoing = 9999-12-31), file (file_no, the rank of file) and line; source_rank orders an
-- episode's placements that start on the same day (the citizen's own target-group names
-- first). capacity.derive.compute_episode_ids sorts and numbers them.
WITH counted AS (
    SELECT
        rid, person_key, file, line, start_date,
        coalesce(end_date, DATE '9999-12-31') AS end_open,
        CASE tg_source WHEN 'citizen' THEN 0 WHEN 'offer' THEN 1 ELSE 2 END AS source_rank,
        CASE
            WHEN $split_by_area THEN coalesce(
                paragraf_area,
                CASE WHEN age_at_start < $age_cut THEN 'children' ELSE 'adults' END)
            ELSE ''
        END AS part
    FROM derived_staged
    WHERE coalesce(CAST($offer_types AS VARCHAR[]) IS NULL
                   OR list_contains(CAST($offer_types AS VARCHAR[]), offer_type), false)
),
persons AS (
    SELECT person_key, row_number() OVER (ORDER BY person_key) AS person_no
    FROM (SELECT DISTINCT person_key FROM counted)
),
files AS (
    SELECT file, row_number() OVER (ORDER BY file) AS file_no
    FROM (SELECT DISTINCT file FROM counted)
),
parts AS (
    SELECT part, row_number() OVER (ORDER BY part) AS part_no
    FROM (SELECT DISTINCT part FROM counted)
)
SELECT
    c.rid,
    p.person_no,
    q.part_no,
    CAST(c.start_date - DATE '1970-01-01' AS INTEGER) AS start_day,
    CAST(c.end_open - DATE '1970-01-01' AS INTEGER) AS end_day,
    f.file_no,
    c.line,
    c.source_rank
FROM counted c
JOIN persons p ON p.person_key = c.person_key
JOIN files f ON f.file = c.file
JOIN parts q ON q.part = c.part
