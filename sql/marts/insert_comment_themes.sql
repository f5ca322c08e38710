INSERT INTO marts.comment_themes BY NAME SELECT * FROM comment_themes
