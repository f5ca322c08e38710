INSERT INTO marts.responses BY NAME SELECT * FROM scored_responses
