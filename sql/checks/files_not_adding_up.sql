-- Files whose rows are not all accounted for: read must equal loaded + rejected + duplicate.
SELECT file_name, source, rows_read, rows_loaded, rows_rejected, rows_duplicate
FROM ops.files
WHERE rows_read <> rows_loaded + rows_rejected + rows_duplicate
