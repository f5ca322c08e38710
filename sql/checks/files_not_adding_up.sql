-- Files whose rows are not all accounted for: read must equal loaded + rejected + duplicate +
-- excluded (survey previews, tests, spam).
SELECT file_name, source, rows_read, rows_loaded, rows_rejected, rows_duplicate, rows_excluded
FROM ops.files
WHERE rows_read <> rows_loaded + rows_rejected + rows_duplicate + rows_excluded
