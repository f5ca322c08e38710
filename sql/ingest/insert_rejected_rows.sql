INSERT INTO ops.rejected_rows BY NAME SELECT * FROM new_rejected
