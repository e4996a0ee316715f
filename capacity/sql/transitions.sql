-- Child -> adult transitions. The cohort: persons in a children's-area placement at some time
-- while aged 17 (counted offer types, $offer_types NULL = all), whose whole 17th year lies in
-- the data window (17th birthday >= $window_start) and whose follow-up window has passed
-- (18th birthday + $months_after months <= $data_date). from_group = the children's group of
-- their latest such placement. Transitioned = an adults'-area placement overlapping
-- [18th birthday - $months_before months, 18th birthday + $months_after months];
-- to_group = the adults' group of the earliest such placement, 'ingen' when there is none.
WITH counted AS (
    SELECT
        *,
        CAST(birth_date + INTERVAL 17 YEAR AS DATE) AS birthday_17,
        CAST(birth_date + INTERVAL 18 YEAR AS DATE) AS birthday_18
    FROM placements
    WHERE CAST($offer_types AS VARCHAR[]) IS NULL
       OR list_contains(CAST($offer_types AS VARCHAR[]), offer_type)
),
child AS (
    SELECT person_key, handlekommune, tg_child, birthday_18
    FROM counted
    WHERE area = 'children'
      AND start_date < birthday_18
      AND (end_date IS NULL OR end_date >= birthday_17)
      AND birthday_17 >= $window_start
      AND CAST(birthday_18 + to_months($months_after) AS DATE) <= $data_date
    QUALIFY row_number() OVER (
        PARTITION BY person_key ORDER BY start_date DESC, file, line) = 1
),
adult AS (
    SELECT c.person_key, a.tg_adult
    FROM child c
    JOIN counted a
        ON a.person_key = c.person_key
        AND a.area = 'adults'
        AND a.start_date <= CAST(c.birthday_18 + to_months($months_after) AS DATE)
        AND (a.end_date IS NULL
             OR a.end_date >= CAST(c.birthday_18 - to_months($months_before) AS DATE))
    QUALIFY row_number() OVER (
        PARTITION BY c.person_key ORDER BY a.start_date, a.file, a.line) = 1
)
SELECT
    c.person_key,
    CAST(year(c.birthday_18) AS INTEGER) AS cohort_year,
    c.handlekommune AS kommunekode,
    c.tg_child AS from_group,
    coalesce(a.tg_adult, 'ingen') AS to_group
FROM child c
LEFT JOIN adult a ON a.person_key = c.person_key
ORDER BY c.person_key
