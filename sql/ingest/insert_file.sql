INSERT INTO ops.files BY NAME SELECT * FROM new_file
