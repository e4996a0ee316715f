-- Placements in force at some time in $year with their expenditure in that year:
-- spend = annual_cost x days in the year / days of the year (both ends counted; ongoing
-- placements run to 31 December). The target group is the one at the later of 1 January and
-- the start date. $offer_types: the offer types that count (NULL = all).
WITH bounds AS (
    SELECT make_date($year, 1, 1) AS year_start, make_date($year, 12, 31) AS year_end
),
in_year AS (
    SELECT
        p.*,
        b.year_start,
        greatest(p.start_date, b.year_start) AS ref_date,
        date_diff('day', greatest(p.start_date, b.year_start),
                  least(coalesce(p.end_date, b.year_end), b.year_end)) + 1 AS days,
        date_diff('day', b.year_start, b.year_end) + 1 AS year_days
    FROM placements p, bounds b
    WHERE p.start_date <= b.year_end
      AND (p.end_date IS NULL OR p.end_date >= b.year_start)
      AND (CAST($offer_types AS VARCHAR[]) IS NULL
           OR list_contains(CAST($offer_types AS VARCHAR[]), p.offer_type))
)
SELECT
    file,
    line,
    person_key,
    handlekommune AS kommunekode,
    CASE
        WHEN date_sub('year', birth_date, ref_date) < $age_cut
            OR (aftercare AND date_sub('year', birth_date, ref_date) <= $aftercare_max_age)
            THEN tg_child
        ELSE tg_adult
    END AS target_group,
    paragraf,
    offer_type,
    tilbud_id,
    coalesce(tilbudsnavn, leverandoer) AS provider,
    ejerform,
    CAST(date_sub('year', birth_date, year_start) AS INTEGER) AS age_1_january,
    start_date,
    CAST(annual_cost AS DOUBLE) AS annual_cost,
    CAST(days AS INTEGER) AS days,
    CAST(round(annual_cost * days / year_days, 2) AS DOUBLE) AS spend
FROM in_year
ORDER BY file, line
