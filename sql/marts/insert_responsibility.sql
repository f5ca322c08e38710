INSERT INTO marts.responsibility BY NAME SELECT * FROM responsibility
