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
        e.episode_id, y.year,
        greatest(e.start_date, make_date(y.year, 1, 1)) AS ref_date
    FROM episodes e
    JOIN years y
        ON e.start_date <= make_date(y.year, 12, 31)
        AND (e.end_date IS NULL OR e.end_date >= make_date(y.year, 1, 1))
    WHERE e.start_date <= $data_date
),
ranked AS (
    -- an episode's placements; episode_seq grows with the start date and is unique in an
    -- episode (below 2^31), so start_rank orders them by (start, episode_seq)
    SELECT
        episode_id, episode_seq, start_date, end_date, handlekommune, birth_date, tg_child,
        tg_adult, aftercare,
        CASE tg_source WHEN 'citizen' THEN 2 WHEN 'offer' THEN 1 ELSE 0 END AS source_score,
        CAST(start_date - DATE '1970-01-01' AS BIGINT) * 2147483648 + episode_seq AS start_rank
    FROM placements
    WHERE episode_id IS NOT NULL
),
uniform AS (
    -- episodes whose placements all have names from the same source
    SELECT episode_id, min(source_score) = max(source_score) AS same_source
    FROM ranked
    GROUP BY episode_id
),
latest AS (
    -- the latest placement started by ref_date (the highest episode_seq among them)
    SELECT
        ey.episode_id, ey.year, ey.ref_date,
        r.handlekommune, r.birth_date, r.tg_child, r.tg_adult, r.aftercare,
        (r.end_date IS NULL OR r.end_date >= ey.ref_date) AND u.same_source AS settled
    FROM (
        SELECT *, CAST(ref_date - DATE '1970-01-01' AS BIGINT) * 2147483648 + 2147483647
            AS ref_rank
        FROM episode_year
    ) ey
    JOIN uniform u ON u.episode_id = ey.episode_id
    ASOF JOIN ranked r ON r.episode_id = ey.episode_id AND ey.ref_rank >= r.start_rank
),
candidates AS (
    -- where the latest started placement is not in force on ref_date, or the names come from
    -- different sources: every placement started by ref_date, ranked on one integer each
    SELECT
        l.episode_id, l.year,
        r.handlekommune, r.birth_date, r.tg_child, r.tg_adult, r.aftercare,
        CASE WHEN r.end_date IS NULL OR r.end_date >= l.ref_date THEN 2147483648 ELSE 0 END
            + r.episode_seq AS place_rank,
        r.source_score * 4294967296
            + CASE WHEN r.end_date IS NULL OR r.end_date >= l.ref_date THEN 2147483648 ELSE 0 END
            + r.episode_seq AS names_rank
    FROM latest l
    JOIN ranked r ON r.episode_id = l.episode_id AND r.start_date <= l.ref_date
    WHERE NOT l.settled
),
representative AS (
    -- the municipality: the placement in force on ref_date, else the latest started (highest
    -- episode_seq). The target-group names: the citizen's own win over an offer's (they
    -- describe the person; a later placement delivered without them should not reclassify
    -- the episode), then the placement in force, then the latest started. When the latest
    -- started placement is in force and all names come from one source, it is both.
    SELECT episode_id, year, handlekommune, birth_date, tg_child, tg_adult, aftercare
    FROM latest
    WHERE settled
    UNION ALL
    SELECT
        episode_id,
        year,
        arg_max(handlekommune, place_rank),
        arg_max(birth_date, names_rank),
        arg_max(tg_child, names_rank),
        arg_max(tg_adult, names_rank),
        arg_max(aftercare, names_rank)
    FROM candidates
    GROUP BY episode_id, year
),
dated AS (
    SELECT
        r.*,
        e.person_key, e.start_date, e.end_date,
        make_date(r.year, 1, 1) AS year_start,
        make_date(r.year, 12, 31) AS year_end,
        greatest(e.start_date, make_date(r.year, 1, 1)) AS ref_date
    FROM representative r
    JOIN episodes e ON e.episode_id = r.episode_id
)
SELECT
    episode_id,
    person_key,
    CAST(year AS SMALLINT) AS year,
    handlekommune AS kommunekode,
    CASE
        WHEN date_sub('year', birth_date, ref_date) < $age_cut
            OR (aftercare AND date_sub('year', birth_date, ref_date) <= $aftercare_max_age)
            THEN tg_child
        ELSE tg_adult
    END AS target_group,
    ref_date,
    start_date < year_start AS in_stock,
    start_date >= year_start AS entered,
    coalesce(end_date <= year_end, false) AS exited,
    CAST(date_diff('day', greatest(start_date, year_start),
                   least(coalesce(end_date, year_end), year_end)) + 1 AS INTEGER) AS person_days
FROM dated
-- stored in episode order: the same physical order on every run, a person's rows together
ORDER BY episode_id, year
