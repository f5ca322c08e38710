-- Files already loaded (or recognised as copies), per source reading them, to skip them or to
-- spot renamed copies.
SELECT file_name, file_sha256, source, rows_read FROM ops.files WHERE status <> 'failed'
