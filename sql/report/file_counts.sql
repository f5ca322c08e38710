-- Rows read / loaded / rejected / duplicate over all files, for the data-quality line.
SELECT count(*) AS files, coalesce(sum(rows_read), 0) AS rows_read,
       coalesce(sum(rows_loaded), 0) AS rows_loaded, coalesce(sum(rows_rejected), 0) AS rows_rejected,
       coalesce(sum(rows_duplicate), 0) AS rows_duplicate
FROM ops.files
