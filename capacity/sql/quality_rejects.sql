-- Rejected rows per delivering municipality and reason (a row with several problems counts
-- once per reason). The municipality is the placements/<kommunekode>/ folder of the file.
SELECT
    CASE WHEN r.file LIKE 'placements/%' THEN split_part(r.file, '/', 2) ELSE '' END
        AS kommunekode,
    r.reason,
    count(DISTINCT (r.file, r.line)) AS rows_rejected
FROM rejects r
GROUP BY ALL
ORDER BY kommunekode, reason
