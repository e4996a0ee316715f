-- Episodes for the length-of-stay estimate: those open on or after the window start
-- ($window_start), started by the data date. duration = days from start to end (both counted),
-- or to the data date for ongoing episodes (censored); entry = days already spent at the
-- window start for episodes that began before it (left truncation: they are only in the data
-- because they lasted until the window).
SELECT
    target_group,
    CAST(date_diff('day', start_date, coalesce(end_date, $data_date)) + 1 AS DOUBLE) AS duration,
    end_date IS NOT NULL AS event,
    CAST(greatest(date_diff('day', start_date, $window_start), 0) AS DOUBLE) AS entry
FROM episodes
WHERE start_date <= $data_date
  AND (end_date IS NULL OR end_date >= $window_start)
ORDER BY target_group, duration, entry
