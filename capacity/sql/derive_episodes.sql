-- One row per episode from the derived placements. episode_seq orders an episode's
-- placements by start date, then the source of their target-group names (the citizen's own
-- first), then file and line: the first placement gives the start, the target group at the
-- start and the first offer; the last one the latest placement. An episode is ongoing
-- (end_date NULL) when any of its placements has no end or ends after the data date
-- ($data_date).
INSERT INTO episodes BY NAME
SELECT
    episode_id,
    arg_min(person_key, episode_seq) AS person_key,
    arg_min(birth_date, episode_seq) AS birth_date,
    arg_min(birth_year, episode_seq) AS birth_year,
    arg_min(sex, episode_seq) AS sex,
    arg_min(area, episode_seq) AS area,
    arg_min(handlekommune, episode_seq) AS kommunekode,
    arg_min(target_group, episode_seq) AS target_group,
    arg_min(tg_source, episode_seq) AS tg_source,
    min(start_date) AS start_date,
    CASE
        WHEN bool_or(end_date IS NULL OR end_date > $data_date) THEN NULL
        ELSE max(end_date)
    END AS end_date,
    arg_min(paragraf, episode_seq) AS paragraf,
    arg_min_null(paragraf_series, episode_seq) AS paragraf_series,
    arg_min_null(tilbud_id, episode_seq) AS tilbud_id,
    arg_max(handlekommune, episode_seq) AS last_kommunekode,
    arg_max(paragraf, episode_seq) AS last_paragraf,
    arg_max_null(tilbud_id, episode_seq) AS last_tilbud_id,
    CAST(count(*) AS INTEGER) AS n_placements
FROM placements
WHERE episode_id IS NOT NULL
GROUP BY episode_id
