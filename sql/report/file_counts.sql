-- Rows read / loaded / rejected / duplicate over all files loaded, and the files still unreadable,
-- for the data-quality line.
SELECT count(*) FILTER (WHERE status = 'loaded') AS files, coalesce(sum(rows_read), 0) AS rows_read,
       coalesce(sum(rows_loaded), 0) AS rows_loaded, coalesce(sum(rows_rejected), 0) AS rows_rejected,
       coalesce(sum(rows_duplicate), 0) AS rows_duplicate,
       (SELECT coalesce(list(file_name ORDER BY file_name), []) FROM ops.unreadable_files) AS unreadable
FROM ops.files
