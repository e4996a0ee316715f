-- One row per input file: how it was read and what happened to its rows.
SELECT
    file,
    kind,
    coalesce(profile, '') AS profile,
    coalesce(encoding, '') AS encoding,
    rows_in,
    rows_loaded,
    rows_rejected,
    blank_lines,
    status,
    coalesce(reason, '') AS reason
FROM load_log
ORDER BY kind, file
