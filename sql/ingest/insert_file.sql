-- A file keeps one failed row per source at most: an earlier failure of the same name and
-- source (any content) goes.
DELETE FROM ops.files AS f USING new_file AS n
WHERE f.file_name = n.file_name AND f.source = n.source AND f.status = 'failed';
INSERT INTO ops.files BY NAME SELECT * FROM new_file;
