-- One row per episode x year of the data window ($first_year..$last_year) in which the
-- episode is open on at least one day. Each episode-year counts under one municipality and
-- one target group, fixed at the reference date (1 January, or the episode's start when it
-- starts during the year) among the episode's placements started by then. The group uses the
-- age at the reference date ($age_cut, efterværn up to $aftercare_max_age).
-- Ongoing episodes run to the end of each window year (window years are complete years).
INSERT INTO episode_years BY NAME
WITH years AS (
    SELECT CAST(unnest(range($first_year, $last_year + 1)) AS INTEGER) AS year
),
episode_year AS (
    SELECT
        e.episode_id, e.person_key, e.start_date, e.end_date, y.year,
        make_date(y.year, 1, 1) AS year_start,
        make_date(y.year, 12, 31) AS year_end,
        greatest(e.start_date, make_date(y.year, 1, 1)) AS ref_date
    FROM episodes e
    JOIN years y
        ON e.start_date <= make_date(y.year, 12, 31)
        AND (e.end_date IS NULL OR e.end_date >= make_date(y.year, 1, 1))
    WHERE e.start_date <= $data_date
),
candidates AS (
    -- the episode's placements started by ref_date; covers = in force on ref_date
    SELECT
        ey.*,
        p.handlekommune, p.birth_date, p.tg_child, p.tg_adult, p.aftercare,
        CAST(p.end_date IS NULL OR p.end_date >= ey.ref_date AS INTEGER) AS covers,
        CASE p.tg_source WHEN 'citizen' THEN 2 WHEN 'offer' THEN 1 ELSE 0 END AS source_score,
        p.episode_seq
    FROM episode_year ey
    JOIN placements p ON p.episode_id = ey.episode_id AND p.start_date <= ey.ref_date
),
representative AS (
    -- the municipality: the placement in force on ref_date, else the latest started (highest
    -- episode_seq). The target-group names: the citizen's own win over an offer's (they
    -- describe the person; a later placement delivered without them should not reclassify
    -- the episode), then the placement in force, then the latest started.
    SELECT
        episode_id, year, year_start, year_end, ref_date, person_key, start_date, end_date,
        arg_max(handlekommune, covers * 1000000 + episode_seq) AS handlekommune,
        arg_max({'b': birth_date, 'c': tg_child, 'a': tg_adult, 'f': aftercare},
                source_score * 10000000 + covers * 1000000 + episode_seq) AS names
    FROM candidates
    GROUP BY ALL
)
SELECT
    episode_id,
    person_key,
    CAST(year AS SMALLINT) AS year,
    handlekommune AS kommunekode,
    CASE
        WHEN date_sub('year', names.b, ref_date) < $age_cut
            OR (names.f AND date_sub('year', names.b, ref_date) <= $aftercare_max_age)
            THEN names.c
        ELSE names.a
    END AS target_group,
    ref_date,
    start_date < year_start AS in_stock,
    start_date >= year_start AS entered,
    coalesce(end_date <= year_end, false) AS exited,
    CAST(date_diff('day', greatest(start_date, year_start),
                   least(coalesce(end_date, year_end), year_end)) + 1 AS INTEGER) AS person_days
FROM representative
