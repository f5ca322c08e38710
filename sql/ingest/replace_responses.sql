-- Newer versions of known responses (sources with `duplicates: keep_latest`) replace the old.
DELETE FROM raw.responses WHERE response_key IN (SELECT response_key FROM newer_versions);
INSERT INTO raw.responses BY NAME SELECT * FROM newer_versions;
