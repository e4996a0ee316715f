-- Staging for the derived placements table (read by capacity.derive, classified in Python).
-- Per placement row: the resolved Tilbudsportalen id (as delivered, else the provider mapping),
-- the extract in force at the placement's start (the latest extract dated on or before the
-- start that lists the offer, else the earliest that does), the offer's fields from that
-- extract, and the two possible target-group sources: the citizen's own names
-- (primary | secondary) and the offer's names (for the placement's paragraph when the offer
-- lists that paragraph, else for the whole offer).
WITH resolved AS (
    SELECT
        r.file,
        r.line,
        r.start_date,
        r.paragraf,
        nullif(concat_ws('|',
            nullif(trim(r.primaer_maalgruppe), ''),
            nullif(trim(r.sekundaer_maalgruppe), '')), '') AS citizen_key,
        coalesce(r.tilbud_id, m.tilbud_id) AS tilbud_id,
        CASE
            WHEN r.tilbud_id IS NOT NULL THEN 'delivered'
            WHEN m.tilbud_id IS NOT NULL THEN 'provider_map'
        END AS tilbud_id_source
    FROM placement_rows r
    LEFT JOIN provider_map m ON m.leverandoer = r.leverandoer
),
offer_dates AS (
    SELECT DISTINCT tilbud_id, extract_date FROM offers
),
picked AS (
    SELECT
        r.file,
        r.line,
        coalesce(
            max(d.extract_date) FILTER (WHERE d.extract_date <= r.start_date),
            min(d.extract_date)
        ) AS offer_extract_date
    FROM resolved r
    JOIN offer_dates d ON d.tilbud_id = r.tilbud_id
    GROUP BY r.file, r.line
),
offer_main AS (
    -- offer-level fields from the first department row, so the choice is deterministic
    SELECT tilbud_id, extract_date, tilbudsnavn, ejerform, driftsherre, beliggenhedskommune,
           in_region, takst
    FROM offers
    QUALIFY row_number() OVER (
        PARTITION BY tilbud_id, extract_date ORDER BY afdeling_id, paragraf, file, line) = 1
),
offer_paragraph AS (
    SELECT tilbud_id, extract_date, paragraf, takst
    FROM offers
    QUALIFY row_number() OVER (
        PARTITION BY tilbud_id, extract_date, paragraf ORDER BY afdeling_id, file, line) = 1
),
offer_names AS (
    SELECT tilbud_id, extract_date, paragraf, name
    FROM (
        SELECT tilbud_id, extract_date, paragraf,
               trim(unnest(string_split(maalgrupper, '|'))) AS name
        FROM offers
    )
    WHERE name <> ''
),
names_paragraph AS (
    SELECT tilbud_id, extract_date, paragraf,
           string_agg(DISTINCT name, '|' ORDER BY name) AS offer_key
    FROM offer_names
    GROUP BY tilbud_id, extract_date, paragraf
),
names_offer AS (
    SELECT tilbud_id, extract_date,
           string_agg(DISTINCT name, '|' ORDER BY name) AS offer_key
    FROM offer_names
    GROUP BY tilbud_id, extract_date
)
SELECT
    r.file,
    r.line,
    r.paragraf,
    r.tilbud_id,
    r.tilbud_id_source,
    p.offer_extract_date,
    om.tilbudsnavn,
    om.ejerform,
    om.driftsherre,
    om.beliggenhedskommune,
    om.in_region,
    coalesce(op.takst, om.takst) AS takst,
    r.citizen_key,
    coalesce(np.offer_key, nw.offer_key) AS offer_key
FROM resolved r
LEFT JOIN picked p ON p.file = r.file AND p.line = r.line
LEFT JOIN offer_main om
    ON om.tilbud_id = r.tilbud_id AND om.extract_date = p.offer_extract_date
LEFT JOIN offer_paragraph op
    ON op.tilbud_id = r.tilbud_id AND op.extract_date = p.offer_extract_date
    AND op.paragraf = r.paragraf
LEFT JOIN names_paragraph np
    ON np.tilbud_id = r.tilbud_id AND np.extract_date = p.offer_extract_date
    AND np.paragraf = r.paragraf
LEFT JOIN names_offer nw
    ON nw.tilbud_id = r.tilbud_id AND nw.extract_date = p.offer_extract_date
ORDER BY r.file, r.line
