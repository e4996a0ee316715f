-- Placements in force on $ref_date (start <= ref_date <= end; no end = ongoing) with the
-- target group at ref_date, who runs the offer (ownership) and where it is (location).
-- $offer_types: the offer types that count (NULL = all).
SELECT
    p.file,
    p.line,
    p.person_key,
    p.handlekommune AS kommunekode,
    CASE
        WHEN date_sub('year', p.birth_date, $ref_date) < $age_cut
            OR (p.aftercare AND date_sub('year', p.birth_date, $ref_date) <= $aftercare_max_age)
            THEN p.tg_child
        ELSE p.tg_adult
    END AS target_group,
    CASE
        WHEN date_sub('year', p.birth_date, $ref_date) < $age_cut
            OR (p.aftercare AND date_sub('year', p.birth_date, $ref_date) <= $aftercare_max_age)
            THEN p.tg_child_all
        ELSE p.tg_adult_all
    END AS target_groups_all,
    CAST(date_sub('year', p.birth_date, $ref_date) AS INTEGER) AS age,
    p.area,
    p.start_date,
    p.paragraf,
    p.offer_type,
    p.tilbud_id,
    p.tilbudsnavn,
    p.ejerform,
    p.driftsherre,
    p.beliggenhedskommune,
    CASE
        WHEN p.ejerform = 'kommunal'
            AND coalesce(p.driftsherre, p.beliggenhedskommune) = p.handlekommune
            THEN 'kommunal_egen'
        WHEN p.ejerform = 'kommunal' THEN 'kommunal_anden'
        WHEN p.ejerform IN ('regional', 'selvejende', 'privat') THEN p.ejerform
        ELSE 'ukendt'
    END AS ownership,
    CASE
        WHEN p.beliggenhedskommune IS NULL THEN 'ukendt'
        WHEN p.beliggenhedskommune = p.handlekommune THEN 'egen_kommune'
        WHEN p.in_region THEN 'regionen'
        ELSE 'uden_for_regionen'
    END AS location,
    p.annual_cost
FROM placements p
WHERE p.start_date <= $ref_date
  AND (p.end_date IS NULL OR p.end_date >= $ref_date)
  AND (CAST($offer_types AS VARCHAR[]) IS NULL
       OR list_contains(CAST($offer_types AS VARCHAR[]), p.offer_type))
ORDER BY p.file, p.line
