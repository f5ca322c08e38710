INSERT INTO marts.weekly_item_scores BY NAME SELECT * FROM weekly_item_scores
