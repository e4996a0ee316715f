-- Fill the derived placements table from placement_rows and the classified staging frame
-- (derived_stage, registered by capacity.derive). Parameters: $age_cut, $aftercare_on,
-- $aftercare_max_age, $aftercare_paragraphs, $offer_types (NULL = every type counts as a place),
-- $gap_days, $split_by_area.
-- Episodes: a person's counted placements (per area when $split_by_area) sorted by start; a
-- placement opens a new episode when more than $gap_days days without any placement lie
-- between it and every earlier placement's end (ongoing = no end).
INSERT INTO placements BY NAME
WITH base AS (
    SELECT
        r.file, r.line, r.person_key, r.birth_date, r.birth_year, r.sex, r.handlekommune,
        r.betalingskommune, r.paragraf, r.paragraf_raw, s.paragraf_series, s.offer_type,
        s.paragraf_area, r.leverandoer, s.tilbud_id, s.tilbud_id_source, s.offer_extract_date,
        s.tilbudsnavn, s.ejerform, s.driftsherre, s.beliggenhedskommune, s.in_region, s.takst,
        r.start_date, r.end_date, r.pris, r.prisenhed, r.annual_cost, r.afslutningsaarsag,
        s.tg_source, s.tg_names, s.tg_unknown, s.tg_matched, s.tg_child, s.tg_adult,
        s.tg_child_all, s.tg_adult_all,
        CAST(date_sub('year', r.birth_date, r.start_date) AS SMALLINT) AS age_at_start,
        CAST($aftercare_on AS BOOLEAN)
            AND list_contains(CAST($aftercare_paragraphs AS VARCHAR[]), r.paragraf) AS aftercare
    FROM placement_rows r
    JOIN derived_stage s ON s.file = r.file AND s.line = r.line
),
classified AS (
    SELECT
        * EXCLUDE (paragraf_area),
        coalesce(paragraf_area,
                 CASE WHEN age_at_start < $age_cut THEN 'children' ELSE 'adults' END) AS area,
        CASE
            WHEN age_at_start < $age_cut
                OR (aftercare AND age_at_start <= $aftercare_max_age) THEN tg_child
            ELSE tg_adult
        END AS target_group,
        coalesce(CAST($offer_types AS VARCHAR[]) IS NULL
                 OR list_contains(CAST($offer_types AS VARCHAR[]), offer_type), false) AS counted
    FROM base
),
chain AS (
    SELECT
        file, line, person_key, start_date,
        CASE tg_source WHEN 'citizen' THEN 0 WHEN 'offer' THEN 1 ELSE 2 END AS source_rank,
        CASE WHEN $split_by_area THEN area ELSE '' END AS part,
        coalesce(end_date, DATE '9999-12-31') AS end_open
    FROM classified
    WHERE counted
),
lagged AS (
    SELECT
        *,
        max(end_open) OVER (
            PARTITION BY person_key, part ORDER BY start_date, end_open, file, line
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
    FROM chain
),
flagged AS (
    SELECT
        *,
        CASE
            WHEN previous_end IS NULL THEN 1
            WHEN date_diff('day', previous_end, start_date) - 1 > $gap_days THEN 1
            ELSE 0
        END AS opens_episode
    FROM lagged
),
numbered AS (
    SELECT
        file, line, person_key, part, start_date, source_rank,
        sum(opens_episode) OVER (
            PARTITION BY person_key, part ORDER BY start_date, end_open, file, line
            ROWS UNBOUNDED PRECEDING) AS sequence_no
    FROM flagged
),
ids AS (
    -- episode_seq: position in the episode by start date, then the source of the
    -- target-group names (the citizen's own first), then file and line
    SELECT
        file, line,
        dense_rank() OVER (ORDER BY person_key, part, sequence_no) AS episode_id,
        CAST(row_number() OVER (
            PARTITION BY person_key, part, sequence_no
            ORDER BY start_date, source_rank, file, line) AS INTEGER) AS episode_seq
    FROM numbered
)
SELECT c.* EXCLUDE (counted), i.episode_id, i.episode_seq
FROM classified c
LEFT JOIN ids i ON i.file = c.file AND i.line = c.line
