-- One row per episode from the derived placements. episode_seq orders an episode's
-- placements by start date, then the source of their target-group names (the citizen's own
-- first), then file and line: the first placement gives the start, the target group at the
-- start and the first offer; the last one the latest placement. An episode is ongoing
-- (end_date NULL) when any of its placements has no end or ends after the data date
-- ($data_date).
-- episode_seq numbers an episode's placements 1..n_placements, so the first and the last
-- placement are found by a join, not by arg_min/arg_max over every column.
INSERT INTO episodes BY NAME
WITH spans AS (
    SELECT
        episode_id,
        min(start_date) AS start_date,
        CASE
            WHEN bool_or(end_date IS NULL OR end_date > $data_date) THEN NULL
            ELSE max(end_date)
        END AS end_date,
        CAST(count(*) AS INTEGER) AS n_placements
    FROM placements
    WHERE episode_id IS NOT NULL
    GROUP BY episode_id
)
SELECT
    s.episode_id,
    f.person_key,
    f.birth_date,
    f.birth_year,
    f.sex,
    f.area,
    f.handlekommune AS kommunekode,
    f.target_group,
    f.tg_source,
    s.start_date,
    s.end_date,
    f.paragraf,
    f.paragraf_series,
    f.tilbud_id,
    l.handlekommune AS last_kommunekode,
    l.paragraf AS last_paragraf,
    l.tilbud_id AS last_tilbud_id,
    s.n_placements
FROM spans s
JOIN placements f ON f.episode_id = s.episode_id AND f.episode_seq = 1
JOIN placements l ON l.episode_id = s.episode_id AND l.episode_seq = s.n_placements
-- stored in episode order: the same physical order on every run
ORDER BY s.episode_id
