-- What the database holds, per kind of input: files, rows in, loaded, rejected.
SELECT
    kind,
    count(*) AS files,
    count(*) FILTER (WHERE status = 'quarantined') AS files_quarantined,
    CAST(sum(rows_in) AS BIGINT) AS rows_in,
    CAST(sum(rows_loaded) AS BIGINT) AS rows_loaded,
    CAST(sum(rows_rejected) AS BIGINT) AS rows_rejected
FROM load_log
GROUP BY kind
ORDER BY kind
