INSERT INTO raw.responses BY NAME SELECT * FROM new_responses
