-- Staging for the derived placements table: one row per placement_rows row (rid = its rowid),
-- queried twice by capacity.derive as the temporary view derived_staged (the episode chaining
-- reads a few columns, the insert all of them). Reads the small frame derived_paragraphs
-- (paragraf -> paragraf_area, offer_type, paragraf_series) that capacity.derive registers.
-- Per row: the resolved Tilbudsportalen id (as delivered, else the provider mapping), the
-- extract in force at the placement's start (the latest extract dated on or before the start
-- that lists the offer, else the earliest that does), the offer's fields from that extract,
-- and the target-group source: the citizen's own names (primary | secondary) when present,
-- else the offer's names (for the placement's paragraph when the offer lists that paragraph,
-- else for the whole offer). tg_key is the '|'-joined name string that is classified.
-- resolved is read twice (the rows, and their distinct offers and start dates): inlined, so
-- each reader scans only the columns it needs instead of a materialised copy of every row.
WITH resolved AS NOT MATERIALIZED (
    SELECT
        r.rowid AS rid,
        r.file, r.line, r.person_key, r.birth_date, r.birth_year, r.sex, r.handlekommune,
        r.betalingskommune, r.paragraf, r.paragraf_raw, r.leverandoer, r.start_date,
        r.end_date, r.pris, r.prisenhed, r.annual_cost, r.afslutningsaarsag,
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
    -- per distinct (offer, start date), not per row: a delivery repeats them
    SELECT
        s.tilbud_id,
        s.start_date,
        coalesce(
            max(d.extract_date) FILTER (WHERE d.extract_date <= s.start_date),
            min(d.extract_date)
        ) AS offer_extract_date
    FROM (SELECT DISTINCT tilbud_id, start_date FROM resolved WHERE tilbud_id IS NOT NULL) s
    JOIN offer_dates d ON d.tilbud_id = s.tilbud_id
    GROUP BY s.tilbud_id, s.start_date
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
    r.* EXCLUDE (citizen_key),
    p.offer_extract_date,
    om.tilbudsnavn,
    om.ejerform,
    om.driftsherre,
    om.beliggenhedskommune,
    om.in_region,
    coalesce(op.takst, om.takst) AS takst,
    g.paragraf_area,
    g.offer_type,
    g.paragraf_series,
    CASE
        WHEN r.citizen_key IS NOT NULL THEN 'citizen'
        WHEN coalesce(np.offer_key, nw.offer_key) IS NOT NULL THEN 'offer'
        ELSE 'none'
    END AS tg_source,
    coalesce(r.citizen_key, np.offer_key, nw.offer_key, '') AS tg_key,
    CAST(date_sub('year', r.birth_date, r.start_date) AS SMALLINT) AS age_at_start
FROM resolved r
LEFT JOIN picked p ON p.tilbud_id = r.tilbud_id AND p.start_date = r.start_date
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
LEFT JOIN derived_paragraphs g ON g.paragraf = r.paragraf
