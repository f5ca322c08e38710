-- Newer versions of known responses (sources with `duplicates: keep_latest`) replace the old, in
-- raw and in the marts (the old version may sit in another week, which is then rebuilt).
DELETE FROM marts.responses WHERE response_key IN (SELECT response_key FROM newer_versions);
DELETE FROM raw.responses WHERE response_key IN (SELECT response_key FROM newer_versions);
INSERT INTO raw.responses BY NAME SELECT * FROM newer_versions;
DELETE FROM raw.item_answers WHERE response_key IN (SELECT response_key FROM newer_versions);
-- the old version's unusable answers went with it (the file still counts them, as read)
DELETE FROM ops.rejected_answers
WHERE source || ':' || response_id IN (SELECT response_key FROM newer_versions);
