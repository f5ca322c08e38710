-- Unusable answers of the rows stored, one row each.
INSERT INTO ops.rejected_answers BY NAME SELECT * FROM new_rejected_answers
