-- Episodes (forløb) for analysis, one row each, ordered.
SELECT
    person_key,
    kommunekode,
    target_group,
    start_date,
    end_date,
    birth_date,
    paragraf_series,
    tilbud_id,
    episode_id,
    area,
    sex,
    tg_source,
    paragraf,
    last_kommunekode,
    last_paragraf,
    last_tilbud_id,
    n_placements
FROM episodes
ORDER BY person_key, start_date, episode_id
