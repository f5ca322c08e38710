INSERT INTO marts.weekly_scores BY NAME SELECT * FROM weekly_scores
