-- Fill the derived placements table from the staging view derived_staged (derive_stage.sql),
-- the classified target-group names (derived_names: tg_key -> tg_names, ..., tg_adult_all) and
-- the episode numbers (derived_episode_ids: rid -> episode_id, episode_seq; only placements
-- that count as a place have one), both registered by capacity.derive.
-- Parameters: $age_cut, $aftercare_on, $aftercare_max_age, $aftercare_paragraphs.
INSERT INTO placements BY NAME
WITH staged AS (
    SELECT
        s.* EXCLUDE (paragraf_area),
        coalesce(s.paragraf_area,
                 CASE WHEN s.age_at_start < $age_cut THEN 'children' ELSE 'adults' END) AS area,
        CAST($aftercare_on AS BOOLEAN)
            AND list_contains(CAST($aftercare_paragraphs AS VARCHAR[]), s.paragraf) AS aftercare
    FROM derived_staged s
)
SELECT
    s.* EXCLUDE (rid, tg_key),
    n.tg_names,
    n.tg_unknown,
    n.tg_matched,
    n.tg_child,
    n.tg_adult,
    n.tg_child_all,
    n.tg_adult_all,
    CASE
        WHEN s.age_at_start < $age_cut
            OR (s.aftercare AND s.age_at_start <= $aftercare_max_age) THEN n.tg_child
        ELSE n.tg_adult
    END AS target_group,
    e.episode_id,
    e.episode_seq
FROM staged s
JOIN derived_names n ON n.tg_key = s.tg_key
LEFT JOIN derived_episode_ids e ON e.rid = s.rid
