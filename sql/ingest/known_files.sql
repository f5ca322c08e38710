-- Files already loaded (or recognised as copies), to skip them or to spot renamed copies.
SELECT file_name, file_sha256, rows_read FROM ops.files WHERE status <> 'failed'
