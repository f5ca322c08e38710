-- Rows not loaded because their response was already loaded, each with the row kept.
INSERT INTO ops.duplicate_rows BY NAME SELECT * FROM new_duplicates
