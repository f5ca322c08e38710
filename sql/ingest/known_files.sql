-- Files already loaded, to skip them.
SELECT file_name, file_sha256 FROM ops.files
