-- The Tilbudsportalen extracts: offers, departments and places per extract date.
SELECT
    extract_date,
    count(DISTINCT tilbud_id) AS offers,
    count(DISTINCT (tilbud_id, afdeling_id)) AS departments,
    CAST(sum(pladser) AS BIGINT) AS places,
    CAST(sum(pladser) FILTER (WHERE in_region AND godkendt) AS BIGINT) AS places_in_region
FROM offers
GROUP BY extract_date
ORDER BY extract_date
