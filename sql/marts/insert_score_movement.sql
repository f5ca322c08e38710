INSERT INTO marts.score_movement BY NAME SELECT * FROM score_movement
