-- Files loaded (once, however many sources read them), rows read / loaded / rejected /
-- duplicate / excluded over them (per source reading them), the findings,
-- and the files still unreadable, for the data-quality section.
SELECT count(DISTINCT (file_name, file_sha256)) FILTER (WHERE status = 'loaded') AS files, coalesce(sum(rows_read), 0) AS rows_read,
       coalesce(sum(rows_loaded), 0) AS rows_loaded, coalesce(sum(rows_rejected), 0) AS rows_rejected,
       coalesce(sum(rows_duplicate), 0) AS rows_duplicate,
       coalesce(sum(rows_excluded), 0) AS rows_excluded,
       coalesce(sum(answers_rejected), 0) AS answers_rejected,
       (SELECT coalesce(list(DISTINCT file_name ORDER BY file_name), []) FROM ops.unreadable_files) AS unreadable,
       (SELECT coalesce(map(list(reason ORDER BY rows DESC, reason), list(rows ORDER BY rows DESC, reason)), MAP {})
        FROM (SELECT reason, count(*) AS rows FROM ops.excluded_rows GROUP BY reason)) AS excluded,
       (SELECT count(*) FROM ops.findings) AS findings
FROM ops.files
