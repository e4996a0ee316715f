-- Where the target group came from, per handlekommune: the citizen's own registration, the
-- offer's target groups in Tilbudsportalen, or nothing (then the placement counts as X).
SELECT
    handlekommune AS kommunekode,
    count(*) AS placements,
    count(*) FILTER (WHERE tg_source = 'citizen') AS from_citizen,
    count(*) FILTER (WHERE tg_source = 'offer') AS from_offer,
    count(*) FILTER (WHERE tg_source NOT IN ('citizen', 'offer') OR tg_source IS NULL)
        AS from_none
FROM placements
GROUP BY handlekommune
ORDER BY handlekommune
