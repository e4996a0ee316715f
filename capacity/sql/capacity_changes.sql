-- Approved places per offer located in the region in two extracts ($from_date, $to_date),
-- with the offer's fields from the later extract where it is listed.
WITH places AS (
    SELECT
        tilbud_id,
        sum(pladser) FILTER (WHERE godkendt AND extract_date = $from_date) AS places_from,
        sum(pladser) FILTER (WHERE godkendt AND extract_date = $to_date) AS places_to
    FROM offers
    WHERE extract_date IN ($from_date, $to_date) AND in_region
    GROUP BY tilbud_id
),
fields AS (
    SELECT tilbud_id, tilbudsnavn, ejerform, driftsherre, beliggenhedskommune
    FROM offers
    WHERE extract_date IN ($from_date, $to_date) AND in_region
    QUALIFY row_number() OVER (
        PARTITION BY tilbud_id ORDER BY extract_date DESC, afdeling_id, paragraf, file, line) = 1
)
SELECT
    f.tilbud_id, f.tilbudsnavn, f.ejerform, f.driftsherre, f.beliggenhedskommune,
    CAST(coalesce(p.places_from, 0) AS BIGINT) AS places_from,
    CAST(coalesce(p.places_to, 0) AS BIGINT) AS places_to
FROM places p
JOIN fields f USING (tilbud_id)
ORDER BY f.tilbud_id
