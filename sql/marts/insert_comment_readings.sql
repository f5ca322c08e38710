INSERT OR IGNORE INTO marts.comment_readings BY NAME SELECT * FROM comment_readings
