-- Tilbudsportalen rows of one extract ($extract_date), located in the region, approved.
SELECT
    extract_date, tilbud_id, tilbudsnavn, afdeling_id, ejerform, driftsherre,
    beliggenhedskommune, paragraf, pladser, coalesce(maalgrupper, '') AS maalgrupper,
    alder_fra, alder_til, takst
FROM offers
WHERE extract_date = $extract_date AND in_region AND godkendt
ORDER BY tilbud_id, afdeling_id, paragraf, file, line
