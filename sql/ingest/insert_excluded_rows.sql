INSERT INTO ops.excluded_rows BY NAME SELECT * FROM new_excluded
