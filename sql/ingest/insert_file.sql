-- A failed file's earlier failure is replaced, so that a file keeps one row per content.
DELETE FROM ops.files AS f USING new_file AS n
WHERE f.file_name = n.file_name AND f.file_sha256 = n.file_sha256 AND f.status = 'failed';
INSERT INTO ops.files BY NAME SELECT * FROM new_file;
